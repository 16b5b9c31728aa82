import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { loadConfig, TokenStore } from '@signflow/core';
import { startApiServer } from '@signflow/pipelines/api';
import { PipelinesClient } from '@signflow/pipelines/api-client';
import { signRecognition } from '@signflow/pipelines';
import { fixture } from '@signflow/testkit';
import { startHarness } from './helpers/harness.js';

const cliBin = fileURLToPath(new URL('../../cli/bin/signflow.js', import.meta.url));

test('signflow run watch shows the training step epoch by epoch (epoch i/N, loss, accuracy, samples/s), live and from a finished run', { timeout: 300_000 }, async () => {
  await using h = await startHarness();
  const config = loadConfig({ env: {}, overrides: { dataDir: h.dataDir, api: { port: 0 }, temporal: { namespace: h.temporal.namespace } } }).config;
  const api = await startApiServer({ config, temporalAddress: h.temporal.address, taskQueue: h.taskQueue });
  try {
    const token = (await new TokenStore(config.dataDir).create({ name: 'watch-test', role: 'operator' })).token;
    const cli = (...args: string[]) =>
      new Promise<{ code: number; stdout: string; stderr: string }>((resolve) => {
        execFile(process.execPath, [cliBin, ...args], { env: { ...process.env, SIGNFLOW_API_URL: api.url, SIGNFLOW_API_TOKEN: token } }, (err, stdout, stderr) =>
          resolve({ code: err ? Number(err.code ?? 1) : 0, stdout, stderr }),
        );
      });
    const client = new PipelinesClient(api.url, { token });
    const epochs = 4;
    const { runId } = await client.submit({
      spec: signRecognition.compile(),
      parameters: {
        sourcePath: fixture('kazuhito-hand-gesture', 'keypoint.csv'),
        datasetName: 'hand-gestures',
        folds: 2,
        train: { model: { architecture: 'mlp', units: 16, layers: 1, dropout: 0 }, epochs, batchSize: 64, learningRate: 0.01 },
      },
    });

    // Live: watch follows the run from submission to the end (stdout is a pipe: one line per epoch).
    const live = await cli('run', 'watch', runId);
    assert.equal(live.code, 0, live.stderr);
    const epochLines = live.stdout.split('\n').filter((l) => /\btrain\s+epoch \d+\/\d+/.test(l));
    assert.deepEqual(
      epochLines.map((l) => /epoch (\d+)\/(\d+)/.exec(l)?.slice(1, 3).join('/')),
      Array.from({ length: epochs }, (_, i) => `${i + 1}/${epochs}`),
      live.stdout,
    );
    for (const line of epochLines) assert.match(line, /epoch \d\/4 {2}loss \d+\.\d{4} {2}acc [01]\.\d{3} {2}val_acc [01]\.\d{3} {2}\d+ samples\/s {2}\((tfjs-node|wasm|cpu)\)/);
    const last = epochLines.at(-1) ?? '';
    assert.ok(Number(/acc ([\d.]+)/.exec(last)?.[1]) > 0.5, `the printed accuracy is the model's: ${last}`);
    const trainDone = live.stdout.split('\n').findIndex((l) => /\btrain\s+succeeded/.test(l));
    assert.ok(trainDone > live.stdout.split('\n').indexOf(epochLines.at(-1) ?? ''), 'the epochs come before the step ends');
    assert.match(live.stdout, new RegExp(`run ${runId} succeeded`));

    // Afterwards: the same figures from what is stored with the run, as JSON lines.
    const stored = await cli('--json', 'run', 'watch', runId);
    assert.equal(stored.code, 0, stored.stderr);
    const progress = stored.stdout
      .split('\n')
      .filter((l) => l.startsWith('{'))
      .map((l) => JSON.parse(l) as { step?: string; epoch?: number; epochs?: number; loss?: number; accuracy?: number; samplesPerSec?: number })
      .filter((p) => p.epoch !== undefined);
    assert.deepEqual(progress.map((p) => [p.step, p.epoch, p.epochs]), Array.from({ length: epochs }, (_, i) => ['train', i + 1, epochs]));
    assert.ok(progress.every((p) => typeof p.loss === 'number' && typeof p.accuracy === 'number' && (p.samplesPerSec ?? 0) > 0));
  } finally {
    await api.close();
  }
});
