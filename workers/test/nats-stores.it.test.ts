import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { configuredArtifactStore, signflowConfigSchema } from '@signflow/core';
import { signRecognition } from '@signflow/pipelines';
import { fixture, startTestNats, tempDir } from '@signflow/testkit';
import { DatasetStore, NatsObjectBackend } from '@signflow/datasets';
import { storesStepEnv } from '../src/worker/store-env.js';
import { startHarness } from './helpers/harness.js';

const cli = fileURLToPath(new URL('../../cli/bin/signflow.js', import.meta.url));

function signflow(args: string[], env: NodeJS.ProcessEnv): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const child = spawn(process.execPath, [cli, ...args], { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (c: Buffer) => (stdout += c.toString()));
  child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
  return new Promise((resolve) => child.once('exit', (code) => resolve({ code, stdout, stderr })));
}

/**
 * The cluster layout on one machine: steps run as local processes but share no directory with
 * the worker for their stores. Artifacts, step logs, the model registry and dataset versions
 * live in NATS buckets; the registry CLI, from another data dir, reads the registered model.
 */
test('sign-recognition with the artifact and dataset stores on NATS: no shared dir, the registered model is read by `signflow model` from NATS', { timeout: 300_000 }, async () => {
  await using nats = await startTestNats();
  await using data = await tempDir('signflow-nats-stores-');
  // a small slice of the hand-gesture keypoints: 3 classes, ~150 rows
  const rows = (await readFile(fixture('kazuhito-hand-gesture', 'keypoint.csv'), 'utf8')).split('\n').filter((line, i) => line && i % 30 === 0);
  const csv = join(data.path, 'keypoint.csv');
  await writeFile(csv, `${rows.join('\n')}\n`);
  await writeFile(join(data.path, 'keypoint_classifier_label.csv'), await readFile(fixture('kazuhito-hand-gesture', 'keypoint_classifier_label.csv')));

  const config = signflowConfigSchema.parse({ dataDir: join(data.path, 'unused'), nats: { url: nats.url }, artifacts: { store: 'nats://signflow_artifacts' }, datasets: { store: { kind: 'nats' } } });
  const stepEnv = storesStepEnv(config);
  assert.deepEqual(stepEnv, { SIGNFLOW_DATASETS_STORE: 'nats', SIGNFLOW_DATASETS_BUCKET: 'signflow_datasets', SIGNFLOW_NATS_URL: nats.url });
  const withPassword = storesStepEnv({ ...config, nats: { ...config.nats, url: 'nats://signflow:secret@nats.svc' } });
  assert.equal(withPassword['SIGNFLOW_NATS_URL'], undefined, 'a password never goes into step env (Job specs): the chart supplies it from a Secret');
  await using h = await startHarness({ stores: () => ({ artifacts: configuredArtifactStore(config), stepEnv }) });
  const { runId } = await h.service.submit({
    spec: signRecognition.compile(),
    parameters: {
      sourcePath: csv,
      datasetName: 'hand-gestures-mini',
      folds: 2,
      train: { model: { architecture: 'mlp', units: 16, layers: 1, dropout: 0 }, epochs: 3, batchSize: 32, learningRate: 0.01, validationFraction: 0 },
    },
  });
  const run = await h.waitForRun(runId, ['succeeded', 'failed'], 240_000);
  assert.equal(run.status, 'succeeded', `${run.error ?? ''}\n${JSON.stringify(run.steps.map((s) => [s.stepPath, s.status, s.error]))}`);
  const byPath = new Map(run.steps.map((s) => [s.stepPath, s]));

  // every artifact is a nats:// reference; the logs were kept in NATS and read through the service
  const trained = byPath.get('train')?.outputs['model'];
  assert.ok(trained?.kind === 'artifact');
  assert.match(trained.ref.uri, /^nats:\/\/signflow_artifacts\/sha256\//);
  assert.match((await h.service.stepLogs(runId, 'import')).text, /hand-gestures-mini@\w+: \d+ samples, 3 classes/);
  // nothing went to the data dir's stores
  for (const dir of ['artifacts', 'datasets']) assert.equal(existsSync(join(h.dataDir, dir)), false, `${dir} under the data dir`);

  // the dataset versions are in the NATS bucket
  const datasets = new DatasetStore(await NatsObjectBackend.connect({ servers: nats.url, bucket: 'signflow_datasets' }));
  try {
    assert.ok((await datasets.list()).some((v) => v.name === 'hand-gestures-mini'));
  } finally {
    await datasets.close();
  }

  // the registry CLI of another machine (another data dir) reads the model from NATS, then exits
  const version = byPath.get('register')?.outputs['version'];
  assert.ok(version?.kind === 'parameter' && typeof version.value === 'number');
  await using elsewhere = await tempDir('signflow-cli-');
  const shown = await signflow(['--json', 'model', 'show', 'sign-recognition', String(version.value)], {
    SIGNFLOW_DATA_DIR: elsewhere.path,
    SIGNFLOW_NATS_URL: nats.url,
    SIGNFLOW_ARTIFACT_STORE: 'nats://signflow_artifacts',
  });
  assert.equal(shown.code, 0, shown.stderr);
  const model = JSON.parse(shown.stdout) as { version: number; lineage: { runId?: string } };
  assert.equal(model.version, version.value);
  assert.equal(model.lineage.runId, runId);
  assert.equal(existsSync(join(elsewhere.path, 'artifacts')), false);
});
