import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { LocalArtifactStore } from '@signflow/core';
import type { StepLaunch } from '@signflow/pipelines';
import { tempDir } from '@signflow/testkit';
import { resolveStepOutputs, outputsKeyFor } from '../../src/executors/kubernetes/outputs.js';
import { INLINE_OUTPUTS_MAX_BYTES, writeStepOutputs } from '../../src/steps/outputs-document.js';

async function setup() {
  const dir = await tempDir('signflow-outputs-');
  const store = new LocalArtifactStore(join(dir.path, 'artifacts'));
  const launch: StepLaunch = { runId: 'run-1', stepId: 'train-0a1b2c3d', attempt: 2, command: ['signflow-step', 'x'], env: { SIGNFLOW_ARTIFACT_STORE: pathToFileURL(join(dir.path, 'artifacts')).href }, resources: {} };
  const key = outputsKeyFor(launch, 'sf-train-abc');
  const outputsPath = join(dir.path, 'termination-log');
  return { dir, store, launch, key, outputsPath };
}

test('a small outputs document is written whole; the executor passes it through', async () => {
  const { dir, store, launch, key, outputsPath } = await setup();
  await using _ = dir;
  const doc = { parameters: { accuracy: 0.9 }, artifacts: {} };
  assert.equal(await writeStepOutputs(doc, { outputsPath, store, key }), 'inline');
  const message = await readFile(outputsPath, 'utf8');
  assert.deepEqual(await resolveStepOutputs({ status: 'succeeded', exitCode: 0, outputsJson: message }, launch), { status: 'succeeded', exitCode: 0, outputsJson: JSON.stringify(doc) });
});

test('a document over 4 KiB goes to the store under the Job key; the message is a small reference the executor resolves', async () => {
  const { dir, store, launch, key, outputsPath } = await setup();
  await using _ = dir;
  assert.equal(key, 'runs/run-1/train-0a1b2c3d/attempt-2/sf-train-abc.outputs.json');
  const doc = { parameters: { classes: Array.from({ length: 600 }, (_, i) => `sign-${i}`) }, artifacts: {} };
  assert.ok(JSON.stringify(doc).length > INLINE_OUTPUTS_MAX_BYTES);
  assert.equal(await writeStepOutputs(doc, { outputsPath, store, key }), 'reference');
  const message = await readFile(outputsPath, 'utf8');
  assert.ok(message.length < 300, message);
  const outcome = await resolveStepOutputs({ status: 'succeeded', exitCode: 0, outputsJson: message }, launch);
  assert.deepEqual(outcome, { status: 'succeeded', exitCode: 0, outputsJson: JSON.stringify(doc) });
});

test('a referenced document that changed or is missing fails the step with what is wrong', async () => {
  const { dir, store, launch, key, outputsPath } = await setup();
  await using _ = dir;
  const doc = { parameters: { blob: 'x'.repeat(5000) }, artifacts: {} };
  await writeStepOutputs(doc, { outputsPath, store, key });
  const message = await readFile(outputsPath, 'utf8');
  await store.writeJson(key, { parameters: { blob: 'y' }, artifacts: {} });
  const changed = await resolveStepOutputs({ status: 'succeeded', exitCode: 0, outputsJson: message }, launch);
  assert.ok(changed.status === 'failed' && !changed.retryable);
  assert.match(changed.reason, /has sha256 [0-9a-f]{64}, but the step wrote [0-9a-f]{64}/);
  const other = await resolveStepOutputs({ status: 'succeeded', exitCode: 0, outputsJson: message }, { ...launch, env: { SIGNFLOW_ARTIFACT_STORE: pathToFileURL(join(dir.path, 'elsewhere')).href } });
  assert.ok(other.status === 'failed');
  assert.match(other.reason, /is missing from the artifact store/);
  const noStore = await resolveStepOutputs({ status: 'succeeded', exitCode: 0, outputsJson: message }, { ...launch, env: {} });
  assert.ok(noStore.status === 'failed');
  assert.match(noStore.reason, /had no SIGNFLOW_ARTIFACT_STORE/);
});
