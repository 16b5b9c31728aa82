import { test } from 'node:test';
import { rm } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import assert from 'node:assert/strict';
import { startHarness } from './helpers/harness.js';
import { numbersPipeline } from './fixtures/pipelines.js';

test('a pipeline with artifacts, a nested pipeline, parallelFor, a condition and an exit handler runs on real Temporal', async () => {
  await using h = await startHarness();
  const { runId } = await h.service.submit({ spec: numbersPipeline.compile(), parameters: { count: 5, items: [2, 3, 4] }, experiment: 'smoke' });
  const run = await h.waitForRun(runId, ['succeeded', 'failed']);
  assert.equal(run.status, 'succeeded', run.error ?? '');
  assert.deepEqual(run.outputs['sum'], { kind: 'parameter', value: 15 });
  assert.deepEqual(run.outputs['squares'], { kind: 'parameter', value: [4, 9, 16] });
  assert.equal(run.outputs['report']?.kind, 'artifact');
  const paths = run.steps.map((s) => s.stepPath).sort();
  assert.deepEqual(paths, ['exit-handler.cleanup', 'prep.make-numbers', 'publish.describe', 'squares[0].square', 'squares[1].square', 'squares[2].square', 'sum-file']);
  assert.ok(run.steps.every((s) => s.status === 'succeeded'));
  const logs = await h.service.stepLogs(runId, 'prep.make-numbers');
  assert.match(logs.text, /made 5 numbers/);
  const listed = h.service.listRuns({ experiment: 'smoke' });
  assert.deepEqual(listed.runs.map((r) => r.runId), [runId]);

  // Same inputs again: every cacheable step is a cache hit.
  const again = await h.service.submit({ spec: numbersPipeline.compile(), parameters: { count: 5, items: [2, 3, 4] } });
  const second = await h.waitForRun(again.runId, ['succeeded', 'failed']);
  assert.equal(second.status, 'succeeded');
  assert.equal(second.steps.find((s) => s.stepPath === 'sum-file')?.status, 'cached');

  // Lineage: the numbers artifact was produced by prep.make-numbers and consumed by sum-file.
  const numbers = run.steps.find((s) => s.stepPath === 'prep.make-numbers')?.outputs['numbers'];
  assert.equal(numbers?.kind, 'artifact');
  if (numbers?.kind !== 'artifact') return;
  const graph = h.service.lineage(numbers.ref.sha256.slice(0, 10));
  assert.ok(graph.upstream.some((e) => e.from === `step:${runId}/prep.make-numbers` && e.relation === 'produced'));
  assert.ok(graph.downstream.some((e) => e.to === `step:${runId}/sum-file` && e.relation === 'consumed'));

  // A cache hit whose artifact is gone from the store is a miss: the step runs again.
  await rm(fileURLToPath(numbers.ref.uri), { force: true });
  const third = await h.service.submit({ spec: numbersPipeline.compile(), parameters: { count: 5, items: [2, 3, 4] } });
  const rerun = await h.waitForRun(third.runId, ['succeeded', 'failed']);
  assert.equal(rerun.status, 'succeeded', rerun.error ?? '');
  assert.equal(rerun.steps.find((s) => s.stepPath === 'prep.make-numbers')?.status, 'succeeded');
  assert.equal(rerun.steps.find((s) => s.stepPath === 'squares[0].square')?.status, 'cached');
});
