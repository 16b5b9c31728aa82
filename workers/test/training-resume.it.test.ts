import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { Client, Connection } from '@temporalio/client';
import { startTestTemporal, tempDir, waitFor } from '@signflow/testkit';
import { DirectoryStore } from '../src/training/store.js';
import { readCheckpoint } from '../src/training/checkpoint.js';
import { metricsKey } from '../src/training/job.js';
import type { EpochMetrics } from '../src/training/checkpoint.js';
import type { TrainActivityResult } from '../src/training/activities.js';

const workerMain = fileURLToPath(new URL('./training-helpers/worker-main.ts', import.meta.url));

function startWorker(env: Record<string, string>): { child: ChildProcess; ready: Promise<void>; output: () => string } {
  const child = spawn(process.execPath, ['--import', 'tsx', workerMain], { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  const ready = new Promise<void>((resolve, reject) => {
    child.stdout?.on('data', (chunk: Buffer) => {
      output += chunk.toString();
      if (output.includes('ready')) resolve();
    });
    child.stderr?.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.on('exit', (code, signal) => reject(new Error(`worker exited (${code ?? signal}) before it was ready:\n${output.slice(-2000)}`)));
  });
  return { child, ready, output: () => output };
}

test('a SIGKILLed training worker is replaced and the run resumes from its last checkpoint', { timeout: 170_000 }, async () => {
  await using temporal = await startTestTemporal();
  await using dir = await tempDir('signflow-train-resume-');
  const store = new DirectoryStore(dir.path);
  const env = { TEMPORAL_ADDRESS: temporal.address, TEMPORAL_NAMESPACE: temporal.namespace, TASK_QUEUE: 'training', STORE_DIR: dir.path };
  const runId = `run-${Date.now()}`;
  const stepId = 'train';
  const checkpointEvery = 2;
  const epochs = 14;

  const first = startWorker(env);
  let second: ReturnType<typeof startWorker> | undefined;
  const connection = await Connection.connect({ address: temporal.address });
  try {
    await first.ready;
    const client = new Client({ connection, namespace: temporal.namespace });
    const handle = await client.workflow.start('trainingWorkflow', {
      taskQueue: 'training',
      workflowId: runId,
      args: [{ dataset: 'fixture:msl150', runId, stepId, params: { model: { architecture: 'gru', units: 32, dropout: 0.1 }, epochs, checkpointEvery, learningRate: 0.003 } }],
    });

    const key = `runs/${runId}/${stepId}`;
    await waitFor('a checkpoint at epoch 4 or later', async () => ((await readCheckpoint(store, key))?.state.epoch ?? 0) >= 4 ? true : undefined, { timeoutMs: 90_000 });
    first.child.kill('SIGKILL');
    await new Promise((resolve) => first.child.once('exit', resolve));
    const checkpointed = (await readCheckpoint(store, key))?.state.epoch ?? 0;
    const done = ((await store.readJson(metricsKey(runId, stepId))) as EpochMetrics[]).map((m) => m.epoch);
    const lastDone = Math.max(...done);
    assert.ok(lastDone < epochs, `the worker was killed mid-training (it had done ${lastDone} of ${epochs} epochs)`);

    second = startWorker(env);
    await second.ready;
    const result = (await handle.result()) as TrainActivityResult;

    assert.equal(result.resumedFromEpoch, checkpointed, 'the new attempt starts from the checkpointed epoch');
    assert.ok(lastDone - result.resumedFromEpoch <= checkpointEvery, `lost ${lastDone - result.resumedFromEpoch} epochs, at most one interval (${checkpointEvery})`);
    assert.ok(result.attempt >= 2, 'the activity was retried');
    assert.equal(result.epochsRun, epochs - checkpointed, 'only the remaining epochs ran');
    assert.deepEqual(result.epochs, Array.from({ length: epochs }, (_, i) => i + 1), 'the history is whole: every epoch once');
    const stored = ((await store.readJson(metricsKey(runId, stepId))) as EpochMetrics[]).map((m) => m.epoch);
    assert.deepEqual(stored, result.epochs, 'the metrics stored with the run have every epoch once');
    assert.ok(result.accuracy > 0.5, `the resumed model still learned (accuracy ${result.accuracy})`);
  } finally {
    first.child.kill('SIGKILL');
    second?.child.kill('SIGTERM');
    if (second && second.child.exitCode === null) await new Promise((resolve) => second?.child.once('exit', resolve));
    await connection.close();
  }
});
