import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import type { FlatAdam } from '../src/training/adam.js';
import { EpochRunner } from '../src/training/fit-loop.js';
import { buildModel, compileModel, disposeModel } from '../src/training/models.js';
import { assertClose, nativeKernelsOrSkip } from './training-helpers/native.js';
import { NativeDenseStep } from '../src/training/native-dense.js';
import { tempDir } from '@signflow/testkit';
import { parseTrainParams } from '../src/training/params.js';
import { train } from '../src/training/trainer.js';
import { DirectoryStore } from '../src/training/store.js';
import type { SequenceDataset } from '../src/training/data.js';

/**
 * The native Dense-stack step (hand-written forward/backward on libtensorflow kernels outside
 * the tape, ResourceApplyAdam) trains an MLP to the same numbers as the TF.js path: the same
 * model and data are trained a few epochs each way (SIGNFLOW_TFJS_FUSED=0 turns the native
 * paths off), then losses, accuracies, weights, Adam moments and iteration counts are compared.
 */
const skip = await nativeKernelsOrSkip();

const shape = { frames: 2, features: 5, classes: 4 };
const n = 70; // two full batches of 32 and one of 6

interface Outcome {
  epochs: { loss: number; accuracy: number; valLoss?: number; valAccuracy?: number }[];
  weights: number[][];
  moments: number[][];
  iterations: number;
  usedNative: boolean;
}

async function trainEpochs(fused: boolean, layers: number, dropout: number, classWeight: Record<number, number> | undefined): Promise<Outcome> {
  if (!fused) process.env['SIGNFLOW_TFJS_FUSED'] = '0';
  try {
    const model = buildModel({ architecture: 'mlp', units: 16, layers, dropout, heads: 1, kernelSize: 3, seed: 7 }, shape);
    compileModel(model, 0.01);
    const optimizer = model.optimizer as FlatAdam;
    const variables = model.trainableWeights.map((w) => w.read() as tf.Variable);
    const usedNative = NativeDenseStep.forModel(model, variables, optimizer);
    usedNative?.dispose();
    const x = tf.randomNormal([n, shape.frames, shape.features], 0, 1, 'float32', 11);
    const labels = tf.tensor1d(Array.from({ length: n }, (_, i) => (i * 7) % shape.classes), 'int32');
    const validation = { x: tf.randomNormal([9, shape.frames, shape.features], 0, 1, 'float32', 12), labels: tf.tensor1d([0, 1, 2, 3, 0, 1, 2, 3, 0], 'int32') };
    const runner = new EpochRunner(model, optimizer, classWeight, shape.classes);
    const epochs = [];
    for (let e = 0; e < 3; e++) {
      const order = Int32Array.from({ length: n }, (_, i) => (i * 31 + e * 17) % n);
      epochs.push(await runner.run({ x, labels, order, batchSize: 32, validation }));
    }
    runner.dispose();
    const saved = await optimizer.getWeights();
    const outcome = {
      epochs,
      weights: variables.map((v) => Array.from(v.dataSync())),
      moments: saved.slice(1).map((w) => Array.from(w.tensor.dataSync())),
      iterations: optimizer.iterations,
      usedNative: usedNative !== undefined,
    };
    tf.dispose([x, labels, validation.x, validation.labels]);
    disposeModel(model);
    return outcome;
  } finally {
    delete process.env['SIGNFLOW_TFJS_FUSED'];
  }
}

for (const [layers, dropout, classWeight] of [
  [2, 0, undefined],
  [1, 0, { 0: 2, 1: 0.5, 2: 1, 3: 1.5 }],
  [2, 0.3, { 0: 1, 1: 0.5, 2: 1, 3: 2 }],
] as const) {
  test(`native Dense step, ${layers} hidden layer(s)${dropout ? `, dropout ${dropout}` : ''}${classWeight ? ', class weights' : ''}: the TF.js path's losses, weights and Adam state over 3 epochs`, { skip }, async () => {
    const before = tf.memory().numTensors;
    const fused = await trainEpochs(true, layers, dropout, classWeight);
    const afterFused = tf.memory().numTensors;
    const plain = await trainEpochs(false, layers, dropout, classWeight);
    assert.equal(fused.usedNative, true, 'the MLP takes the native path');
    assert.equal(plain.usedNative, false, 'SIGNFLOW_TFJS_FUSED=0 turns it off');
    assert.equal(afterFused, before, 'the native path leaks no tensors');
    assert.equal(fused.iterations, plain.iterations);
    assert.equal(fused.iterations, 9);
    fused.epochs.forEach((e, i) => {
      const p = plain.epochs[i];
      assert.ok(p);
      assertClose([e.loss, e.valLoss ?? Number.NaN], [p.loss, p.valLoss ?? Number.NaN], 1e-4, `losses of epoch ${i + 1}`);
      assert.equal(e.accuracy, p.accuracy, `accuracy of epoch ${i + 1}`);
      assert.equal(e.valAccuracy, p.valAccuracy, `validation accuracy of epoch ${i + 1}`);
    });
    fused.weights.forEach((w, i) => assertClose(w, plain.weights[i] ?? [], 1e-4, `weight ${i}`));
    fused.moments.forEach((m, i) => assertClose(m, plain.moments[i] ?? [], 1e-5, `moment ${i}`));
  });
}

test('models the native Dense step does not cover (GRU, transformer) stay on the TF.js path', { skip }, () => {
  for (const model of [
    buildModel({ architecture: 'gru', units: 8, layers: 1, dropout: 0, heads: 1, kernelSize: 3, seed: 1 }, shape),
    buildModel({ architecture: 'transformer', units: 8, layers: 1, dropout: 0.1, heads: 2, kernelSize: 3, seed: 1 }, shape),
  ]) {
    compileModel(model, 0.01);
    const step = NativeDenseStep.forModel(model, model.trainableWeights.map((w) => w.read() as tf.Variable), model.optimizer as FlatAdam);
    assert.equal(step, undefined, model.name);
    disposeModel(model);
  }
});

test('native Dense step: a run stopped after a checkpoint resumes to the weights and losses of an uninterrupted one (and of the TF.js path)', { skip }, async () => {
  await using dir = await tempDir();
  const samples = 160;
  const values = tf.tidy(() => tf.randomNormal([samples, 1, 6], 0, 1, 'float32', 21).dataSync() as Float32Array);
  const labels = Int32Array.from({ length: samples }, (_, i) => ((values[i * 6] ?? 0) > 0 ? 1 : 0) + ((values[i * 6 + 1] ?? 0) > 0 ? 2 : 0));
  const dataset: SequenceDataset = { x: values, shape: [samples, 1, 6], labels, classNames: ['a', 'b', 'c', 'd'] };
  const params = parseTrainParams({ model: { architecture: 'mlp', units: 12, layers: 2, dropout: 0, seed: 4 }, epochs: 4, checkpointEvery: 2, batchSize: 32, learningRate: 0.01 });
  const run = async (key: string, signal?: AbortSignal, onEpoch?: (epoch: number) => void) => {
    const result = await train({ dataset, datasetIdentity: 'synthetic', params, store: new DirectoryStore(dir.path), checkpointKey: key, signal, onEpoch: (m) => onEpoch?.(m.epoch) });
    const weights = result.model.getWeights().map((w) => Array.from(w.dataSync()));
    disposeModel(result.model);
    return { weights, history: result.history, resumedFromEpoch: result.resumedFromEpoch };
  };
  const straight = await run('runs/straight/train');
  const stop = new AbortController();
  await assert.rejects(run('runs/resumed/train', stop.signal, (epoch) => epoch === 2 && stop.abort()));
  const resumed = await run('runs/resumed/train');
  process.env['SIGNFLOW_TFJS_FUSED'] = '0';
  const plain = await run('runs/plain/train').finally(() => delete process.env['SIGNFLOW_TFJS_FUSED']);
  assert.equal(resumed.resumedFromEpoch, 2);
  assertClose(straight.history.map((h) => h.loss), plain.history.map((h) => h.loss), 1e-4, 'losses per epoch, native vs TF.js path');
  straight.weights.forEach((w, i) => assertClose(w, plain.weights[i] ?? [], 1e-4, `weight ${i}, native vs TF.js path`));
  assertClose(resumed.history.map((h) => h.loss), straight.history.map((h) => h.loss), 1e-6, 'losses per epoch');
  resumed.weights.forEach((w, i) => assertClose(w, straight.weights[i] ?? [], 1e-6, `weight ${i}`));
});
