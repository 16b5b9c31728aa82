import { test } from 'node:test';
import assert from 'node:assert/strict';
import { pipelinesDataPaths, signRecognition } from '@signflow/pipelines';
import { LocalArtifactStore } from '@signflow/core';
import { fixture } from '@signflow/testkit';
import { loadPreprocessing } from '../src/inference/model-package.js';
import { ModelRegistry } from '../src/registry/registry.js';
import { startHarness } from './helpers/harness.js';

test('sign-recognition runs end to end on real steps: import, split, train, evaluate, register, deploy; lineage model → dataset', { timeout: 600_000 }, async () => {
  await using h = await startHarness();
  const { runId } = await h.service.submit({
    spec: signRecognition.compile(),
    parameters: {
      sourcePath: fixture('kazuhito-hand-gesture', 'keypoint.csv'),
      datasetName: 'hand-gestures',
      folds: 3,
      train: { model: { architecture: 'mlp', units: 32, layers: 2, dropout: 0.1 }, epochs: 8, batchSize: 64, learningRate: 0.003 },
      deploy: true,
      minAccuracy: 0.5,
    },
  });
  const run = await h.waitForRun(runId, ['succeeded', 'failed'], 500_000);
  const byPath = new Map(run.steps.map((s) => [s.stepPath, s]));
  assert.equal(run.status, 'succeeded', `${run.error ?? ''}\n${JSON.stringify(run.steps.map((s) => [s.stepPath, s.status, s.error]))}`);
  assert.deepEqual([...byPath.keys()].sort(), ['deploy-requested.accuracy-gate.deploy', 'evaluate', 'import', 'register', 'split', 'train']);
  const accuracy = run.outputs['accuracy'];
  assert.ok(accuracy?.kind === 'parameter' && typeof accuracy.value === 'number' && accuracy.value >= 0.5, JSON.stringify(accuracy));
  assert.deepEqual(run.outputs['stage'], { kind: 'parameter', value: 'production' });
  assert.match((await h.service.stepLogs(runId, 'import')).text, /hand-gestures@\w+: \d+ samples, 3 classes/);

  const version = byPath.get('register')?.outputs['version'];
  assert.ok(version?.kind === 'parameter');
  const graph = h.service.lineage(`model:sign-recognition@${String(version.value)}`, 12);
  const manifest = byPath.get('import')?.outputs['manifest'];
  assert.ok(manifest?.kind === 'artifact');
  assert.ok(graph.upstream.some((e) => e.from === `step:${runId}/import` && e.to === `artifact:${manifest.ref.sha256}`), 'the model traces back to the imported dataset version');
  const back = h.service.lineage(manifest.ref.sha256, 12);
  assert.ok(back.downstream.some((e) => e.to === `model:sign-recognition@${String(version.value)}`), 'and the dataset forward to the model');

  // The registered version records the held-out evaluation, and its package says which features it takes.
  const store = new LocalArtifactStore(pipelinesDataPaths(h.dataDir).artifacts);
  const registered = await new ModelRegistry(store).get('sign-recognition', Number(version.value));
  assert.equal(registered.lineage.metrics['accuracy'], accuracy.value);
  assert.equal(typeof registered.lineage.metrics['top5'], 'number');
  assert.equal(typeof registered.lineage.metrics['latencyP95Ms'], 'number');
  // Hand-normalised keypoints cannot be reproduced from live landmarks: the package says so by having no feature spec.
  const preprocessing = await loadPreprocessing(store, registered.preprocessing);
  assert.equal(preprocessing.featureSpec, undefined);
  assert.match((await h.service.stepLogs(runId, 'train')).text, /model package without a feature spec .*"hand" coordinates/);
});
