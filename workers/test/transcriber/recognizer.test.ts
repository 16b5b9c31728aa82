import { test } from 'node:test';
import assert from 'node:assert/strict';
import { writeFile, mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { ValidationError } from '@signflow/core';
import { tempDir } from '@signflow/testkit';
import { FEATURE_SIZE, handsRaised, packetFeatures } from '../../src/transcriber/features.js';
import { ModelLoadError } from '../../src/transcriber/errors.js';
import { loadRecognizerDir, saveLayersModelDir } from '../../src/transcriber/model-files.js';
import { mslFrameToPacket } from '../../src/transcriber/replay.js';
import { trainSmallModel } from '../../src/transcriber/small-model.js';
import { TfjsRecognizer } from '../../src/transcriber/recognizer.js';
import { mslSets } from './helpers.js';

test('a replayed MSL-150 frame turns back into the same features (within wire rounding)', async () => {
  const { live } = await mslSets();
  const frame = live[0]?.frames[10];
  assert.ok(frame);
  const packet = mslFrameToPacket(frame, { rig: 'r1', camera: 'c0', seq: 0, captureTimeNs: '1' });
  const features = packetFeatures(packet);
  assert.equal(features.length, FEATURE_SIZE);
  let maxError = 0;
  for (let i = 0; i < FEATURE_SIZE; i++) maxError = Math.max(maxError, Math.abs((features[i] ?? 0) - (frame[i] ?? 0)));
  assert.ok(maxError < 1e-4, `max error ${maxError}`);
  assert.equal(handsRaised(packet), true);
  assert.equal(handsRaised(mslFrameToPacket(frame, { rig: 'r1', camera: 'c0', seq: 1, captureTimeNs: '2', withoutHands: true })), false);
});

test('a small model trained on MSL-150 recognises held-out sequences, and survives save/load', async () => {
  const { train, live } = await mslSets();
  const { model, labels } = await trainSmallModel(train);
  await using dir = await tempDir();
  await saveLayersModelDir(model, dir.path);
  const recognizer = await loadRecognizerDir(dir.path, 'signs', '1');
  assert.deepEqual(recognizer.labels, labels);
  const before = tf.memory().numTensors;
  let correct = 0;
  for (const sign of live) {
    const result = recognizer.recognize(sign.frames.map((f) => Float32Array.from(f)));
    if (result.label === sign.label) correct++;
    assert.ok(result.confidence > 0 && result.confidence <= 1);
    assert.equal(result.alternatives.length, 3);
  }
  assert.equal(tf.memory().numTensors, before, 'recognition leaks no tensors');
  assert.ok(correct >= 4, `${correct}/${live.length} held-out signs recognised`);
  recognizer.dispose();
  model.dispose();
});

test('a model folder without model.json, without labels, or of the wrong shape is a ModelLoadError', async () => {
  await using dir = await tempDir();
  await assert.rejects(loadRecognizerDir(join(dir.path, 'missing'), 'signs', '1'), (err: unknown) => err instanceof ModelLoadError && /model\.json/.test(err.message));

  const unlabelled = tf.sequential({ layers: [tf.layers.flatten({ inputShape: [4, FEATURE_SIZE] }), tf.layers.dense({ units: 2, activation: 'softmax' })] });
  await saveLayersModelDir(unlabelled, join(dir.path, 'unlabelled'));
  await assert.rejects(loadRecognizerDir(join(dir.path, 'unlabelled'), 'signs', '2'), (err: unknown) => err instanceof ModelLoadError && /labels/.test(err.message));
  // labels.json beside the model is accepted; a wrong label count is not.
  await writeFile(join(dir.path, 'unlabelled', 'labels.json'), JSON.stringify(['a', 'b', 'c']));
  await assert.rejects(loadRecognizerDir(join(dir.path, 'unlabelled'), 'signs', '2'), (err: unknown) => err instanceof ModelLoadError && /3 labels/.test(err.message));
  await writeFile(join(dir.path, 'unlabelled', 'labels.json'), JSON.stringify(['a']));
  await assert.rejects(loadRecognizerDir(join(dir.path, 'unlabelled'), 'signs', '2'), (err: unknown) => err instanceof ValidationError && /labels/.test(err.message));

  const wrongShape = tf.sequential({ layers: [tf.layers.dense({ inputShape: [10], units: 2, activation: 'softmax' })] });
  assert.throws(() => new TfjsRecognizer('signs', '3', wrongShape, { labels: ['a', 'b'], featureLayout: 'msl226' }), (err: unknown) => err instanceof ModelLoadError && /226/.test(err.message));
  await mkdir(join(dir.path, 'empty'));
  unlabelled.dispose();
  wrongShape.dispose();
});
