import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { LocalArtifactStore } from '@signflow/core';
import { pipelinesDataPaths, signRecognition } from '@signflow/pipelines';
import { tempDir } from '@signflow/testkit';
import { writeIslr } from '../../datasets/test/helpers/islr.js';
import { loadPreprocessing } from '../src/inference/model-package.js';
import { ModelRegistry } from '../src/registry/registry.js';
import { startHarness } from './helpers/harness.js';

/**
 * A Kaggle-ISLR-format dataset written here (train.csv + one parquet per sequence, 543 landmarks
 * per frame, an undetected left hand as NaN, sequences of different lengths), through the
 * parquet importer and the whole sign-recognition pipeline to a registered model.
 */
const SIGNS = ['hello', 'thanks', 'yes'];
const PARTICIPANTS = [16069, 25571, 26734, 37055];

async function writeIslrDataset(root: string): Promise<string> {
  const rows = ['path,participant_id,sequence_id,sign'];
  let sequence = 1000;
  for (const [s, sign] of SIGNS.entries()) {
    for (const [p, participant] of PARTICIPANTS.entries()) {
      for (let k = 0; k < 2; k++) {
        sequence++;
        const path = `train_landmark_files/${participant}/${sequence}.parquet`;
        // Each sign sits at its own offset; signers and repetitions vary a little around it.
        await writeIslr(join(root, path), { frames: 8 + ((p + k) % 4) * 2, seed: s * 40 + p + k * 0.5, noLeftHand: (p + k) % 2 === 0 });
        rows.push(`${path},${participant},${sequence},${sign}`);
      }
    }
  }
  await mkdir(root, { recursive: true });
  await writeFile(join(root, 'train.csv'), `${rows.join('\n')}\n`);
  return join(root, 'train.csv');
}

test('sign-recognition on a Kaggle-ISLR-format dataset: parquet import to a registered model with lineage and evaluation', { timeout: 300_000 }, async () => {
  await using data = await tempDir('signflow-islr-');
  const trainCsv = await writeIslrDataset(data.path);
  await using h = await startHarness();
  const { runId } = await h.service.submit({
    spec: signRecognition.compile(),
    parameters: {
      sourceKind: 'kaggle-islr',
      sourcePath: trainCsv,
      datasetName: 'islr-mini',
      folds: 2,
      train: { model: { architecture: 'mlp', units: 16, layers: 1, dropout: 0 }, frames: 8, epochs: 4, batchSize: 8, learningRate: 0.01, validationFraction: 0 },
    },
  });
  const run = await h.waitForRun(runId, ['succeeded', 'failed'], 240_000);
  const byPath = new Map(run.steps.map((s) => [s.stepPath, s]));
  assert.equal(run.status, 'succeeded', `${run.error ?? ''}\n${JSON.stringify(run.steps.map((s) => [s.stepPath, s.status, s.error]))}`);
  assert.match((await h.service.stepLogs(runId, 'import')).text, /islr-mini@\w+: 24 samples, 3 classes/);

  const evaluation = byPath.get('evaluate')?.outputs;
  for (const name of ['accuracy', 'top5', 'latencyP95Ms']) {
    const value = evaluation?.[name];
    assert.ok(value?.kind === 'parameter' && typeof value.value === 'number' && Number.isFinite(value.value), `evaluate output ${name}: ${JSON.stringify(value)}`);
  }
  assert.equal(evaluation?.['report']?.kind, 'artifact');
  assert.equal(evaluation?.['confusion']?.kind, 'artifact');
  const trained = byPath.get('train')?.outputs;
  assert.ok(trained?.['backend']?.kind === 'parameter' && typeof trained['backend'].value === 'string');

  const version = byPath.get('register')?.outputs['version'];
  assert.ok(version?.kind === 'parameter' && typeof version.value === 'number', JSON.stringify(version));
  const manifest = byPath.get('import')?.outputs['manifest'];
  assert.ok(manifest?.kind === 'artifact');
  const graph = h.service.lineage(`model:sign-recognition@${String(version.value)}`, 12);
  assert.ok(graph.upstream.some((e) => e.from === `step:${runId}/import` && e.to === `artifact:${manifest.ref.sha256}`), 'the model traces back to the imported ISLR dataset version');

  // The registered version records the held-out evaluation, and its package carries the features it
  // takes (the ISLR holistic layout in image coordinates), so the live transcriber can feed it.
  const store = new LocalArtifactStore(pipelinesDataPaths(h.dataDir).artifacts);
  const registered = await new ModelRegistry(store).get('sign-recognition', version.value);
  const evaluated = byPath.get('evaluate')?.outputs['accuracy'];
  assert.ok(evaluated?.kind === 'parameter');
  assert.equal(registered.lineage.metrics['accuracy'], evaluated.value);
  assert.equal(typeof registered.lineage.metrics['latencyP95Ms'], 'number');
  const preprocessing = await loadPreprocessing(store, registered.preprocessing);
  assert.equal(preprocessing.featureSpec?.layout.id, 'mediapipe-holistic-543', JSON.stringify(preprocessing.featureSpec?.layout.id));
  assert.equal(preprocessing.featureSpec.source, 'image-normalized');
  assert.equal(preprocessing.featureSpec.frames, preprocessing.frames);
});
