import { test } from 'node:test';
import assert from 'node:assert/strict';
import { RunStore } from '../src/runs/store.js';

function seeded(n: number): RunStore {
  const store = new RunStore(':memory:');
  const insert = store.db.transaction(() => {
    for (let i = 0; i < n; i++) {
      store.insertQueuedRun({
        runId: `run-${String(i).padStart(5, '0')}`,
        pipeline: i % 2 ? 'odd' : 'even',
        experiment: i % 3 === 0 ? 'third' : undefined,
        parameters: { i },
        createdAt: new Date(Date.UTC(2026, 0, 1) + i * 1000).toISOString(),
      });
    }
  });
  insert();
  return store;
}

test('listing is newest first, filtered, and pages without gaps or repeats', () => {
  const store = seeded(1000);
  const seen: string[] = [];
  let token: string | undefined;
  do {
    const page = store.listRuns({ pipeline: 'odd', limit: 37, pageToken: token });
    seen.push(...page.runs.map((r) => r.runId));
    token = page.nextPageToken;
  } while (token);
  assert.equal(seen.length, 500);
  assert.equal(new Set(seen).size, 500);
  assert.equal(seen[0], 'run-00999');
  assert.equal(seen.at(-1), 'run-00001');

  const window = store.listRuns({ experiment: 'third', since: '2026-01-01T00:00:30.000Z', until: '2026-01-01T00:01:00.000Z' });
  assert.deepEqual(window.runs.map((r) => r.runId), ['run-00057', 'run-00054', 'run-00051', 'run-00048', 'run-00045', 'run-00042', 'run-00039', 'run-00036', 'run-00033', 'run-00030']);
  assert.equal(store.listRuns({ status: 'running' }).runs.length, 0);
  store.close();
});

test('run events are applied idempotently and steps keep their inputs across updates', () => {
  const store = seeded(1);
  const at = new Date().toISOString();
  store.applyEvent({ type: 'run-started', runId: 'run-00000', pipeline: 'even', parameters: {}, at });
  store.upsertStep('run-00000', 'a', { component: 'c', status: 'running', attempt: 1, startedAt: Date.now(), inputs: { x: { kind: 'parameter', value: 1 } } });
  store.upsertStep('run-00000', 'a', { status: 'succeeded', attempt: 1, finishedAt: Date.now(), outputs: { y: { kind: 'parameter', value: 2 } } });
  store.applyEvent({ type: 'run-finished', runId: 'run-00000', status: 'succeeded', outputs: {}, at });
  store.applyEvent({ type: 'run-started', runId: 'run-00000', pipeline: 'even', parameters: {}, at });
  const run = store.getRun('run-00000');
  assert.equal(run?.status, 'succeeded', 'a replayed start does not reopen a finished run');
  assert.deepEqual(run?.steps[0]?.inputs, { x: { kind: 'parameter', value: 1 } });
  assert.deepEqual(run?.steps[0]?.outputs, { y: { kind: 'parameter', value: 2 } });
  assert.deepEqual(store.succeededOutputs('run-00000'), { a: { y: { kind: 'parameter', value: 2 } } });
  store.close();
});
