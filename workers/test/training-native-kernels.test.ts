import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import { FlatAdam } from '../src/training/adam.js';
import { buildModel, compileModel, disposeModel } from '../src/training/models.js';
import { sparseSoftmaxCrossEntropy, sparseSoftmaxCrossEntropyMean } from '../src/training/native-kernels.js';
import { assertClose, nativeKernelsOrSkip } from './training-helpers/native.js';
import { serializeModel } from '../src/training/model-io.js';

/**
 * The native fast paths (GRUBlockCell GRU, fused cross-entropy, MatMul and Step kernels) give the
 * numbers of the composite TF.js code they replace. SIGNFLOW_TFJS_FUSED=0 switches them off in
 * the same process, so each check runs both ways on the same tensors.
 */
const skip = await nativeKernelsOrSkip();

function both<T>(run: () => T): { fused: T; plain: T } {
  const fused = run();
  process.env['SIGNFLOW_TFJS_FUSED'] = '0';
  try {
    return { fused, plain: run() };
  } finally {
    delete process.env['SIGNFLOW_TFJS_FUSED'];
  }
}

test('GRU on the native GRUBlockCell kernel: same outputs and weight gradients as the TF.js GRU', { skip }, () => {
  const model = buildModel({ architecture: 'gru', units: 12, layers: 2, dropout: 0, heads: 1, kernelSize: 3, seed: 3 }, { frames: 7, features: 5, classes: 4 });
  const x = tf.randomNormal([6, 7, 5], 0, 1, 'float32', 1);
  const grads = () =>
    tf.tidy(() => {
      const { value, grads: g } = tf.variableGrads(() => tf.sum(tf.mul(model.apply(x) as tf.Tensor, tf.range(1, 5))));
      return [value.dataSync()[0] ?? Number.NaN, ...model.trainableWeights.map((w) => Array.from(g[(w.read() as tf.Variable).name]?.dataSync() ?? []))] as const;
    });
  const { fused, plain } = both(grads);
  assert.ok(Math.abs(fused[0] - plain[0]) < 1e-4, `outputs ${fused[0]} vs ${plain[0]}`);
  model.trainableWeights.forEach((w, i) => assertClose(fused[i + 1] as number[], plain[i + 1] as number[], 1e-4, `gradient of ${w.name}`));
  tf.dispose(x);
  disposeModel(model);
});

test('the fused GRU saves as a plain TF.js GRU with sigmoid gates (loads anywhere)', { skip }, async () => {
  const model = buildModel({ architecture: 'gru', units: 8, layers: 1, dropout: 0, heads: 1, kernelSize: 3, seed: 1 }, { frames: 3, features: 4, classes: 2 });
  const { json } = await serializeModel(model);
  const layers = (JSON.parse(json) as { modelTopology: { config: { layers: { class_name: string; config: Record<string, unknown> }[] } } }).modelTopology.config.layers;
  const gru = layers.find((l) => l.config['name'] === 'gru_0');
  assert.equal(gru?.class_name, 'GRU');
  assert.equal(gru?.config['recurrent_activation'], 'sigmoid');
  disposeModel(model);
});

test('fused softmax cross-entropy, MatMul and Step kernels: the values and gradients of the composite ops', { skip }, () => {
  const logits = tf.tensor2d([[1, 2, 3], [0.5, -1, 2], [-3, 0, 0.25]]);
  const labels = tf.tensor1d([2, 0, 1], 'int32');
  const ce = both(() => tf.tidy(() => [Array.from(sparseSoftmaxCrossEntropy(logits, labels).dataSync()), Array.from(tf.grad((z: tf.Tensor) => tf.mean(sparseSoftmaxCrossEntropy(z as tf.Tensor2D, labels)))(logits).dataSync())]));
  assertClose(ce.fused[0] ?? [], ce.plain[0] ?? [], 1e-6, 'loss');
  assertClose(ce.fused[1] ?? [], ce.plain[1] ?? [], 1e-6, 'gradient');
  const mean = both(() =>
    tf.tidy(() => {
      let kept: tf.Tensor | undefined;
      const g = tf.grad((z: tf.Tensor) => {
        const { mean: m, perSample } = sparseSoftmaxCrossEntropyMean(z as tf.Tensor2D, labels);
        kept = perSample;
        return m;
      })(logits);
      const losses = Array.from(kept?.dataSync() ?? []);
      kept?.dispose();
      return [Array.from(g.dataSync()), losses];
    }),
  );
  assertClose(mean.fused[0] ?? [], ce.plain[1] ?? [], 1e-6, 'gradient of the fused mean');
  assertClose(mean.fused[1] ?? [], ce.plain[0] ?? [], 1e-6, 'per-sample losses beside the fused mean');
  assertClose(mean.plain[0] ?? [], ce.plain[1] ?? [], 1e-6, 'gradient of the composite mean');
  const a = tf.randomNormal([5, 6], 0, 1, 'float32', 2);
  const b = tf.randomNormal([6, 3], 0, 1, 'float32', 3);
  // the composite reference: the same product through a rank-3 BatchMatMul (not replaced)
  const mm = tf.tidy(() => [Array.from(tf.matMul(a, b).dataSync()), Array.from(tf.matMul(a.expandDims(0), b.expandDims(0)).dataSync()), Array.from(tf.matMul(b, a, true, true).dataSync()), Array.from(tf.transpose(tf.matMul(a, b)).dataSync())]);
  assertClose(mm[0] ?? [], mm[1] ?? [], 1e-5, 'matMul');
  assertClose(mm[2] ?? [], mm[3] ?? [], 1e-5, 'matMul transposed');
  const step = tf.tidy(() => Array.from(tf.step(tf.tensor1d([-2, -0, 0, 0.5, Number.NaN, 3])).dataSync()));
  assert.deepEqual(step.slice(0, 4), [0, 0, 0, 1]);
  assert.ok(Number.isNaN(step[4]));
  assert.equal(step[5], 1);
  tf.dispose([logits, labels, a, b]);
});

test('flat Adam: Keras update rule, and a save/load of its state in the middle changes nothing', async () => {
  const model = buildModel({ architecture: 'mlp', units: 6, layers: 1, dropout: 0, heads: 1, kernelSize: 3, seed: 5 }, { frames: 1, features: 3, classes: 2 });
  compileModel(model, 0.01);
  const optimizer = model.optimizer as FlatAdam;
  const variables = model.trainableWeights.map((w) => w.read() as tf.Variable);
  const grads = (k: number) => variables.map((v) => tf.fill(v.shape, (k % 2 ? -1 : 1) * 0.5 * (k + 1)));
  const before = variables.map((v) => Array.from(v.dataSync()));
  const first = grads(0);
  optimizer.applyFlat(variables, first);
  // step 1: m = 0.1 g, v = 0.001 g², lr·√(1−β₂)/(1−β₁)·m/(√v+ε) = lr·sign(g) (to ε)
  variables.forEach((v, i) => assertClose(Array.from(v.dataSync()), (before[i] ?? []).map((x) => x - 0.01), 1e-6, `step 1 of ${v.name}`));

  const saved = await optimizer.getWeights();
  assert.equal(saved.length, 1 + 2 * variables.length, 'iterations, then first and second moments per variable');
  const copy = saved.map((w) => ({ name: w.name, tensor: tf.clone(w.tensor) }));
  const snapshot = variables.map((v) => tf.clone(v));
  const continued = grads(1);
  optimizer.applyFlat(variables, continued);
  const expected = variables.map((v) => Array.from(v.dataSync()));

  variables.forEach((v, i) => v.assign(snapshot[i] as tf.Tensor));
  const restored = new FlatAdam(0.01);
  await restored.setWeights(copy);
  restored.applyFlat(variables, grads(1));
  variables.forEach((v, i) => assertClose(Array.from(v.dataSync()), expected[i] ?? [], 1e-7, `resumed step of ${v.name}`));
  tf.dispose([...first, ...continued, ...snapshot, ...copy.map((c) => c.tensor)]);
  restored.dispose();
  disposeModel(model);
});
