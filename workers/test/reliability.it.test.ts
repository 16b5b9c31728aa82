import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { waitFor } from '@signflow/testkit';
import { startHarness, type Harness } from './helpers/harness.js';
import { startWorkerProcess } from './helpers/worker-process.js';
import { retryPipeline, sleepPipeline } from './fixtures/pipelines.js';

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

async function pidsFrom(file: string): Promise<number[]> {
  return waitFor('the step to write its pids', async () => {
    const text = await readFile(file, 'utf8').catch(() => '');
    const pids = text.split('\n').filter(Boolean).map(Number);
    return pids.length === 2 ? pids : undefined;
  }, { timeoutMs: 30_000 });
}

async function waitForStep(h: Harness, runId: string, stepPath: string, status: string): Promise<void> {
  await waitFor(`step ${stepPath} to be ${status}`, async () => {
    const run = await h.service.getRun(runId).catch(() => undefined);
    return run?.steps.some((s) => s.stepPath === stepPath && s.status === status) ? true : undefined;
  }, { timeoutMs: 30_000 });
}

test('a step that fails and then succeeds on its retry completes the run, with a log per attempt', async () => {
  await using h = await startHarness();
  const counter = join(h.dataDir, 'counter');
  const { runId } = await h.service.submit({ spec: retryPipeline(counter, 2).compile() });
  const run = await h.waitForRun(runId, ['succeeded', 'failed']);
  assert.equal(run.status, 'succeeded', run.error ?? '');
  const step = run.steps.find((s) => s.stepPath === 'fail-until');
  assert.equal(step?.attempt, 2);
  assert.deepEqual(step?.outputs['starts'], { kind: 'parameter', value: 2 });
  assert.match((await h.service.stepLogs(runId, 'fail-until', { attempt: 1 })).text, /failing on purpose/);
  assert.match((await h.service.stepLogs(runId, 'fail-until', { attempt: 2 })).text, /attempt 2/);
});

test('a step that keeps failing fails the run; retry from the failed step reuses what succeeded', async () => {
  await using h = await startHarness();
  const counter = join(h.dataDir, 'counter');
  // Needs 4 starts; the component allows 3 attempts, so the first run fails and the retry's first start succeeds.
  const { runId } = await h.service.submit({ spec: retryPipeline(counter, 4).compile() });
  const failed = await h.waitForRun(runId, ['succeeded', 'failed']);
  assert.equal(failed.status, 'failed');
  assert.match(failed.error ?? '', /fail-until: exit code 3/);
  const retried = await h.service.retry(runId);
  const run = await h.waitForRun(retried.runId, ['succeeded', 'failed']);
  assert.equal(run.status, 'succeeded', run.error ?? '');
  assert.equal(run.retryOf, runId);
  assert.equal(failed.steps.find((s) => s.stepPath === 'make-numbers')?.status, 'succeeded');
  assert.equal(run.steps.find((s) => s.stepPath === 'make-numbers')?.status, 'reused');
  assert.equal(run.steps.find((s) => s.stepPath === 'fail-until')?.status, 'succeeded');
});

test('cancel kills the step process and its children; later steps do not run', async () => {
  await using h = await startHarness();
  const pidFile = join(h.dataDir, 'pids');
  const { runId } = await h.service.submit({ spec: sleepPipeline(120, pidFile).compile() });
  const pids = await pidsFrom(pidFile);
  assert.ok(pids.every(alive));
  await waitFor('the log to show the step running', async () => ((await h.service.stepLogs(runId, 'sleeper')).text.includes('tick 1') ? true : undefined), { timeoutMs: 10_000 });
  await h.service.cancel(runId);
  const run = await h.waitForRun(runId, ['cancelled', 'failed', 'succeeded'], 30_000);
  assert.equal(run.status, 'cancelled');
  assert.deepEqual(pids.filter(alive), [], 'no step process is left behind');
  assert.equal(run.steps.find((s) => s.stepPath === 'sleeper')?.status, 'cancelled');
  assert.notEqual(run.steps.find((s) => s.stepPath === 'square')?.status, 'succeeded');
  await assert.rejects(h.service.cancel(runId), /already cancelled/);
});

test('a worker SIGKILLed mid-step: the run completes on a new worker and the orphaned step is killed', async () => {
  await using h = await startHarness({ worker: false });
  const first = await startWorkerProcess(h);
  const pidFile = join(h.dataDir, 'pids');
  const { runId } = await h.service.submit({ spec: sleepPipeline(4, pidFile).compile(), options: { heartbeatTimeoutMs: 3000 } });
  const pids = await pidsFrom(pidFile);
  await first.kill('SIGKILL');
  await waitFor('the orphaned step process to die with its worker', async () => (alive(pids[0] ?? 0) ? undefined : true), { timeoutMs: 10_000 });
  const second = await startWorkerProcess(h);
  try {
    const run = await h.waitForRun(runId, ['succeeded', 'failed'], 90_000);
    assert.equal(run.status, 'succeeded', run.error ?? '');
    assert.deepEqual(run.steps.find((s) => s.stepPath === 'square')?.outputs['y'], { kind: 'parameter', value: 9 });
    assert.deepEqual(pids.filter(alive), [], 'the first attempt left nothing running');
  } finally {
    await second.kill('SIGTERM');
  }
});

test('the Temporal server restarted mid-run: the run completes', async () => {
  await using h = await startHarness();
  const { runId } = await h.service.submit({ spec: sleepPipeline(4).compile() });
  await waitForStep(h, runId, 'sleeper', 'running');
  await h.temporal.restart();
  const run = await h.waitForRun(runId, ['succeeded', 'failed'], 90_000);
  assert.equal(run.status, 'succeeded', run.error ?? '');
  assert.equal(run.steps.length, 2);
});
