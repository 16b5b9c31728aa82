import { test } from 'node:test';
import assert from 'node:assert/strict';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { MSL150_LAYOUT } from '@signflow/datasets';
import { tempDir } from '@signflow/testkit';
import { featureCount, type FeatureSpec } from '../../src/inference/feature-spec.js';
import type { Preprocessing } from '../../src/inference/model-package.js';
import { ModelLoadError } from '../../src/transcriber/errors.js';
import { viewFrame } from '../../src/transcriber/live-frame.js';
import { loadRecognizerDir, saveLayersModelDir } from '../../src/transcriber/model-files.js';
import { mslFrameToPacket } from '../../src/transcriber/replay.js';
import { mslSets } from './helpers.js';

const spec: FeatureSpec = { layout: MSL150_LAYOUT, source: 'image-normalized', frames: 30 };
const features = featureCount(spec);
const labels = ['ambulancia', 'doctor', 'dolor', 'hoy', 'yo'];

function classifier(frames: number, width: number): tf.LayersModel {
  return tf.sequential({ layers: [tf.layers.flatten({ inputShape: [frames, width] }), tf.layers.dense({ units: labels.length, activation: 'softmax' })] });
}

async function exported(dir: string, model: tf.LayersModel, preprocessing: Partial<Preprocessing> | undefined): Promise<void> {
  await saveLayersModelDir(model, dir);
  if (preprocessing) await writeFile(join(dir, 'signflow.json'), JSON.stringify({ name: 'sign-recognition', version: 1, preprocessing, lineage: { datasetVersion: 'abc123' } }));
}

test('an exported model folder with its feature spec recognises live frames without leaking tensors', async () => {
  await using dir = await tempDir();
  const model = classifier(30, features);
  await exported(dir.path, model, { classNames: labels, frames: 30, features, architecture: 'mlp', featureSpec: spec });
  model.dispose();
  const recognizer = await loadRecognizerDir(dir.path, 'sign-recognition', '1');
  assert.deepEqual(recognizer.labels, labels);
  assert.equal(recognizer.featureSpec.layout.id, 'msl150-pose25-hands');
  const { live } = await mslSets();
  const frames = (live[0]?.frames ?? []).map((f, seq) => viewFrame(mslFrameToPacket(f, { rig: 'r', camera: 'c', seq, captureTimeNs: String(seq + 1) })));
  const before = tf.memory().numTensors;
  const result = recognizer.recognize(frames);
  assert.equal(tf.memory().numTensors, before, 'recognition leaks no tensors');
  assert.ok(labels.includes(result.label) && result.confidence > 0 && result.confidence <= 1);
  assert.equal(result.alternatives.length, 3);
  recognizer.dispose();
});

test('a package that does not say its features, or whose features do not fit the model, is a ModelLoadError', async () => {
  await using dir = await tempDir();
  const model = classifier(30, features);
  await exported(join(dir.path, 'bare'), model, undefined);
  await assert.rejects(loadRecognizerDir(join(dir.path, 'bare'), 'm', '1'), (err: unknown) => err instanceof ModelLoadError && /signflow\.json/.test(err.message));
  // No feature spec and no dataset store to read the lineage's dataset from.
  await exported(join(dir.path, 'no-spec'), model, { classNames: labels, frames: 30, features, architecture: 'mlp' });
  await assert.rejects(loadRecognizerDir(join(dir.path, 'no-spec'), 'm', '1'), (err: unknown) => err instanceof ModelLoadError && /feature spec/.test(err.message));
  // Trained on the old 226-value rows: the spec gives 268 features per frame.
  await exported(join(dir.path, 'msl226'), model, { classNames: labels, frames: 30, features: 226, architecture: 'mlp', featureSpec: spec });
  await assert.rejects(loadRecognizerDir(join(dir.path, 'msl226'), 'm', '1'), (err: unknown) => err instanceof ModelLoadError && /226 features/.test(err.message));
  // The spec says 16 frames, the model takes 30.
  await exported(join(dir.path, 'frames'), model, { classNames: labels, frames: 16, features, architecture: 'mlp', featureSpec: { ...spec, frames: 16 } });
  await assert.rejects(loadRecognizerDir(join(dir.path, 'frames'), 'm', '1'), (err: unknown) => err instanceof ModelLoadError && /\[batch, 16, 268\]/.test(err.message));
  model.dispose();
});
