import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import { fixture, tempDir } from '@signflow/testkit';
import { ValidationError } from '@signflow/core';
import { parseTrainParams } from '../src/training/params.js';
import { chooseBackend, detectCuda, type BackendLoaders, type CudaProbe } from '../src/training/backend.js';
import { train } from '../src/training/trainer.js';
import { DirectoryStore } from '../src/training/store.js';
import { loadKeypointCsv, loadMsl150Npy } from '../src/training/fixtures.js';
import { splitDataset, type SequenceDataset } from '../src/training/data.js';
import { TrainingInputError } from '../src/training/errors.js';
import { evaluateModel } from '../src/evaluation/evaluate.js';
import { renderConfusionPng } from '../src/evaluation/confusion-image.js';
import { buildModel, disposeModel } from '../src/training/models.js';

function probe(overrides: Partial<CudaProbe>): CudaProbe {
  return { env: {}, hasDriverLibrary: () => false, listsGpus: () => false, ...overrides };
}

function recordingLoaders(failing: string[]): { loaders: BackendLoaders; tried: string[] } {
  const tried: string[] = [];
  const attempt = (name: string) => {
    tried.push(name);
    if (failing.includes(name)) throw new Error(`${name} unavailable`);
  };
  return {
    tried,
    loaders: {
      loadNative: (pkg) => Promise.resolve(attempt(pkg)),
      loadWasm: () => Promise.resolve(attempt('wasm')),
      setBackend: (name) => Promise.resolve(name !== 'broken'),
    },
  };
}

test('CUDA detection: driver library and a listed GPU are both needed; CUDA_VISIBLE_DEVICES can hide them', () => {
  assert.equal(detectCuda(probe({ hasDriverLibrary: () => true, listsGpus: () => true })).present, true);
  assert.equal(detectCuda(probe({ hasDriverLibrary: () => true })).present, false);
  assert.match(detectCuda(probe({})).reason, /libcuda/);
  assert.equal(detectCuda(probe({ env: { CUDA_VISIBLE_DEVICES: '-1' }, hasDriverLibrary: () => true, listsGpus: () => true })).present, false);
});

test('backend chain: gpu when CUDA is present, else tfjs-node, then wasm, then cpu; each attempt is reported', async () => {
  const gpu = recordingLoaders([]);
  const withGpu = await chooseBackend({ probe: probe({ hasDriverLibrary: () => true, listsGpus: () => true }), loaders: gpu.loaders });
  assert.equal(withGpu.backend, 'tfjs-node-gpu');
  assert.equal(withGpu.tfBackend, 'tensorflow');

  const noGpu = recordingLoaders([]);
  const cpuHost = await chooseBackend({ probe: probe({}), loaders: noGpu.loaders });
  assert.equal(cpuHost.backend, 'tfjs-node');
  assert.deepEqual(noGpu.tried, ['tfjs-node'], 'the GPU package is not even loaded without CUDA');
  assert.match(cpuHost.attempts[0]?.detail ?? '', /no CUDA/);

  const bare = recordingLoaders(['tfjs-node-gpu', 'tfjs-node', 'wasm']);
  const fallback = await chooseBackend({ probe: probe({ hasDriverLibrary: () => true, listsGpus: () => true }), loaders: bare.loaders });
  assert.equal(fallback.backend, 'cpu');
  assert.deepEqual(fallback.attempts.map((a) => [a.backend, a.ok]), [['tfjs-node-gpu', false], ['tfjs-node', false], ['wasm', false], ['cpu', true]]);

  const forced = await chooseBackend({ prefer: 'wasm', probe: probe({}), loaders: recordingLoaders([]).loaders });
  assert.equal(forced.backend, 'wasm');
});

test('bad params and data are rejected before training, with what to fix', async () => {
  await using dir = await tempDir();
  const store = new DirectoryStore(dir.path);
  assert.throws(() => parseTrainParams({ model: { architecture: 'lstm' } }), (err: unknown) => err instanceof ValidationError && /model\.architecture: unknown architecture "lstm": expected one of gru, tcn, transformer, mlp/.test(err.message));
  assert.throws(() => parseTrainParams({ model: { architecture: 'gru' }, epochs: 0 }), /epochs/);
  const params = parseTrainParams({ model: { architecture: 'mlp' }, epochs: 1 });
  const empty: SequenceDataset = { x: new Float32Array(0), shape: [0, 4, 3], labels: new Int32Array(0), classNames: ['a', 'b'] };
  await assert.rejects(train({ dataset: empty, datasetIdentity: 'e', params, store, checkpointKey: 'runs/e/train' }), (err: unknown) => err instanceof TrainingInputError && /empty/.test(err.message));
  const oneClass: SequenceDataset = { x: new Float32Array(10 * 12), shape: [10, 4, 3], labels: new Int32Array(10), classNames: ['hello', 'bye'] };
  await assert.rejects(train({ dataset: oneClass, datasetIdentity: 'o', params, store, checkpointKey: 'runs/o/train' }), /only one class \("hello"\)/);
});

test('the same seed gives the same weights, another seed other ones', () => {
  const params = parseTrainParams({ model: { architecture: 'transformer', units: 16, heads: 2, seed: 7 } }).model;
  const shape = { frames: 5, features: 6, classes: 3 };
  const weights = (seed: number) => {
    const model = buildModel({ ...params, seed }, shape);
    const values = model.getWeights().map((w) => Array.from(w.dataSync()));
    model.dispose();
    return values;
  };
  assert.deepEqual(weights(7), weights(7));
  assert.notDeepEqual(weights(7), weights(8));
});

test('MSL-150 fixture (5 signs): GRU reaches >= 0.9 held-out accuracy, deterministic across two runs', { timeout: 120_000 }, async () => {
  await using dir = await tempDir();
  const store = new DirectoryStore(dir.path);
  const dataset = await loadMsl150Npy(fixture('msl150', 'sample_npy'));
  assert.deepEqual(dataset.shape, [86, 30, 226]);
  const params = parseTrainParams({ model: { architecture: 'gru', units: 48, dropout: 0.1 }, epochs: 25, learningRate: 0.003, checkpointEvery: 25 });
  const run = async (key: string) => {
    const result = await train({ dataset, datasetIdentity: 'msl150', params, store, checkpointKey: key });
    const report = await evaluateModel(result.model, result.split.test, { standardizer: result.standardizer, latencyWindows: 10 });
    disposeModel(result.model);
    return { result, report };
  };
  const before = tf.memory().numTensors;
  const a = await run('runs/a/train');
  assert.ok(a.report.accuracy >= 0.9, `held-out accuracy ${a.report.accuracy}`);
  assert.equal(a.report.top5, 1, 'with 5 classes top-5 is always right');
  assert.equal(a.report.perClass.length, 5);
  assert.equal(a.report.perSigner.length, 1);
  assert.equal(a.report.confusion.matrix.flat().reduce((s, v) => s + v, 0), a.report.samples);
  assert.ok(a.report.latency.p95Ms > 0);
  assert.ok(a.result.history.every((m) => m.samplesPerSec > 0 && m.learningRate === 0.003));
  const b = await run('runs/b/train');
  assert.deepEqual(b.result.history.map((m) => m.loss.toFixed(4)), a.result.history.map((m) => m.loss.toFixed(4)), 'same seed, same losses');
  assert.ok(tf.memory().numTensors - before < 5, `tensors leak: ${tf.memory().numTensors - before}`);
  const png = renderConfusionPng(a.report.confusion.matrix);
  assert.deepEqual(Array.from(png.subarray(1, 4)), [0x50, 0x4e, 0x47], 'a PNG');
});

test('hand-gesture keypoint CSV: MLP reaches >= 0.95 held-out accuracy; balanced class weights and early stopping', { timeout: 120_000 }, async () => {
  await using dir = await tempDir();
  const store = new DirectoryStore(dir.path);
  const dataset = await loadKeypointCsv(fixture('kazuhito-hand-gesture', 'keypoint.csv'), fixture('kazuhito-hand-gesture', 'keypoint_classifier_label.csv'));
  assert.deepEqual(dataset.classNames, ['Open', 'Close', 'Pointer']);
  const params = parseTrainParams({ model: { architecture: 'mlp', units: 32, layers: 2, dropout: 0.1 }, epochs: 30, batchSize: 64, learningRate: 0.003, classWeights: 'balanced', earlyStopping: { patience: 3, monitor: 'val_accuracy' } });
  const result = await train({ dataset, datasetIdentity: 'kp', params, store, checkpointKey: 'runs/kp/train' });
  const report = await evaluateModel(result.model, result.split.test, { standardizer: result.standardizer });
  disposeModel(result.model);
  assert.ok(report.accuracy >= 0.95, `held-out accuracy ${report.accuracy}`);
  assert.equal(result.split.strategy, 'stratified');
  if (result.stoppedEarly) assert.ok(result.history.length < 30);
});

test('signer-independent split when signer ids exist: no test signer is trained on', () => {
  const n = 40;
  const ds: SequenceDataset = {
    x: new Float32Array(n * 2),
    shape: [n, 1, 2],
    labels: Int32Array.from({ length: n }, (_, i) => i % 2),
    classNames: ['a', 'b'],
    signers: Array.from({ length: n }, (_, i) => `s${i % 5}`),
  };
  const split = splitDataset(ds, { testFraction: 0.2, validationFraction: 0.1, seed: 1 });
  assert.equal(split.strategy, 'signer');
  const testSigners = new Set(split.test.signers);
  assert.ok(testSigners.size >= 1);
  assert.ok(split.train.signers?.every((s) => !testSigners.has(s)));
});
