import * as tf from '@tensorflow/tfjs';
import type { FlatAdam } from './adam.js';
import { SeededDropout } from './layers.js';
import { nativeBackend, type NativeBackend } from './native-kernels.js';

/**
 * A training step for Dense stacks (the `mlp`: Flatten → Dense(relu)… → Dense(softmax)) run as
 * libtensorflow kernels outside TF.js's tape: a hand-written forward and backward pass and TF's
 * own Adam kernel. Such models do almost no arithmetic per batch, so the time goes to op dispatch
 * (~20–30 µs per eager op plus engine bookkeeping); this step takes 57 TF.js ops down to ~28
 * kernel calls for two hidden layers. Same maths as the TF.js path and Keras:
 * - weights, and Adam's moments, live in three anonymous TF resource variables laid out as
 *   FlatAdam's flat vectors (kernel then bias per layer, in `trainableWeights` order);
 * - forward: the first layer's kernel and bias form one `[in+1, units]` matrix (row-major, the
 *   bias is its last row) applied to the batch with a column of ones appended once per epoch;
 *   then MatMul + BiasAdd + Relu per layer, logits without the softmax;
 * - loss: SparseSoftmaxCrossEntropyWithLogits (per-sample loss and its gradient in one kernel),
 *   the gradient scaled by 1/batch (or class weight/batch), as the mean loss's gradient;
 * - backward: MatMul with transpose flags for the weight gradients (the first layer's kernel and
 *   bias in one), BiasAddGrad, ReluGrad on the layer outputs;
 * - update: ResourceApplyAdam over the flat vector (`lr·√(1−β₂ᵗ)/(1−β₁ᵗ)·m/(√v+ε)`, FlatAdam's
 *   and Keras's rule).
 * The model's variables and FlatAdam's moments are loaded at the start of an epoch and written
 * back at its end, so evaluation, checkpoints and resume see the usual state. Only on the native
 * backend without SIGNFLOW_TFJS_FUSED=0; models with other layers use TF.js. Dropout (SeededDropout
 * after a hidden layer) multiplies by the mask TF.js would draw from the same seed, forward and back.
 */
interface OpAttr {
  name: string;
  type: number;
  value: unknown;
}

interface Layer {
  inputs: number;
  units: number;
  relu: boolean;
  /** The SeededDropout after this layer's ReLU, if any. */
  dropout?: SeededDropout;
}

/** An anonymous resource: deleted by TensorFlow when its handle is. */
const ANONYMOUS = 'cd2c89b7-88b7-44c8-ad83-06c2a9158347';

export class NativeDenseStep {
  private readonly attrs: ReturnType<typeof makeAttrs>;
  private readonly constants: { sizes: tf.Tensor; axis: tf.Tensor; flat: tf.Tensor; shapes: tf.Tensor[]; beta1: tf.Scalar; beta2: tf.Scalar; epsilon: tf.Scalar };
  private readonly hyper: { beta1: number; beta2: number };
  private readonly scales = new Map<number, tf.Scalar>();
  private learningRate: { value: number; tensor: tf.Scalar } | undefined;
  private state: { params: tf.Tensor; m: tf.Tensor; v: tf.Tensor; steps: number; iterations: number } | undefined;

  private constructor(
    private readonly b: NativeBackend,
    private readonly layers: Layer[],
    private readonly variables: tf.Variable[],
    private readonly optimizer: FlatAdam,
  ) {
    this.attrs = makeAttrs(b, layers.length * 2 - 1);
    const hyper = optimizer.moments(variables);
    this.hyper = { beta1: hyper.beta1, beta2: hyper.beta2 };
    const [first, ...rest] = layers as [Layer, ...Layer[]];
    const sizes = [(first.inputs + 1) * first.units, ...rest.flatMap((l) => [l.inputs * l.units, l.units])];
    this.constants = {
      sizes: tf.keep(tf.tensor1d(sizes, 'int32')),
      axis: tf.keep(tf.scalar(0, 'int32')),
      flat: tf.keep(tf.tensor1d([-1], 'int32')),
      shapes: [tf.keep(tf.tensor1d([first.inputs + 1, first.units], 'int32')), ...rest.map((l) => tf.keep(tf.tensor1d([l.inputs, l.units], 'int32')))],
      beta1: tf.keep(tf.scalar(hyper.beta1)),
      beta2: tf.keep(tf.scalar(hyper.beta2)),
      epsilon: tf.keep(tf.scalar(hyper.epsilon)),
    };
  }

  /** The step for this model, when it is a Dense stack and the native kernels are on. */
  static forModel(model: tf.LayersModel, variables: tf.Variable[], optimizer: FlatAdam): NativeDenseStep | undefined {
    const b = nativeBackend();
    if (!b) return undefined;
    const layers = denseStack(model, variables);
    return layers ? new NativeDenseStep(b, layers, variables, optimizer) : undefined;
  }

  /** `[n, in+1]`: the batch flattened with a column of ones (the first layer's bias input). */
  augment(x: tf.Tensor): tf.Tensor2D {
    return tf.tidy(() => {
      const flat = tf.reshape(x, [x.shape[0] ?? 0, -1]);
      return tf.concat([flat, tf.ones([x.shape[0] ?? 0, 1])], 1) as tf.Tensor2D;
    });
  }

  /** Loads the model's weights and the optimiser's moments into the kernels' variables. */
  begin(): void {
    if (this.state) this.end();
    const { m, v } = this.optimizer.moments(this.variables);
    const flatWeights = tf.tidy(() => tf.concat(this.variables.map((w) => tf.reshape(w, [-1])), 0));
    const load = (value: tf.Tensor) => {
      const handle = this.b.executeSingleOutput('VarHandleOp', this.attrs.varHandle(value.size), []);
      this.b.executeMultipleOutputs('AssignVariableOp', [this.attrs.dtype], [handle, value], 0);
      return handle;
    };
    this.state = { params: load(flatWeights), m: load(m), v: load(v), steps: 0, iterations: this.optimizer.iterations };
    flatWeights.dispose();
    const lr = this.optimizer.learningRate;
    if (this.learningRate?.value !== lr) {
      this.learningRate?.tensor.dispose();
      this.learningRate = { value: lr, tensor: tf.keep(tf.scalar(lr)) };
    }
  }

  /**
   * One update on a batch (`x` from `augment`). `scale`: per-sample factors `[n, 1]` of the loss
   * gradient (class weight / n), else 1/n. Returns the per-sample losses and the logits (kept).
   */
  step(x: tf.Tensor2D, labels: tf.Tensor1D, scale?: tf.Tensor): { losses: tf.Tensor1D; logits: tf.Tensor2D } {
    const s = this.state;
    if (!s) throw new Error('NativeDenseStep.step before begin');
    const { b, attrs, layers } = this;
    const run = (name: string, a: OpAttr[], inputs: tf.Tensor[]) => b.executeSingleOutput(name, a, inputs);
    const garbage: tf.Tensor[] = [];
    const later = <T extends tf.Tensor>(t: T): T => (garbage.push(t), t);

    const params = run('ReadVariableOp', [attrs.dtype], [s.params]);
    const pieces = b.executeMultipleOutputs('SplitV', attrs.split, [params, this.constants.sizes, this.constants.axis], attrs.pieces);
    params.dispose();
    garbage.push(...pieces);
    const kernels: tf.Tensor[] = [];
    const biases: (tf.Tensor | undefined)[] = [undefined];
    kernels.push(later(run('Reshape', attrs.reshape, [pieces[0] as tf.Tensor, this.constants.shapes[0] as tf.Tensor])));
    for (let i = 1; i < layers.length; i++) {
      kernels.push(later(run('Reshape', attrs.reshape, [pieces[2 * i - 1] as tf.Tensor, this.constants.shapes[i] as tf.Tensor])));
      biases.push(pieces[2 * i]);
    }

    // Forward: outputs[i] is layer i's output (after its ReLU); outputs[-1] the logits.
    const outputs: tf.Tensor[] = [];
    const masks: (tf.Tensor | undefined)[] = [];
    let h: tf.Tensor = x;
    layers.forEach((layer, i) => {
      let z = run('MatMul', attrs.matMul.plain, [h, kernels[i] as tf.Tensor]);
      const bias = biases[i];
      if (bias) z = run('BiasAdd', [attrs.float], [later(z), bias]);
      if (layer.relu) z = run('Relu', [attrs.float], [later(z)]);
      const mask = layer.dropout ? later(dropoutMultiplier([x.shape[0], layer.units], layer.dropout)) : undefined;
      if (mask) z = run('Mul', [attrs.float], [later(z), mask]);
      masks.push(mask);
      outputs.push(z);
      h = z;
    });
    const logits = outputs.pop() as tf.Tensor2D;
    garbage.push(...outputs);
    const [losses, backprop] = b.executeMultipleOutputs('SparseSoftmaxCrossEntropyWithLogits', attrs.crossEntropy, [logits, labels], 2) as [tf.Tensor1D, tf.Tensor];
    garbage.push(backprop);

    // Backward, last layer first; gradients in the flat layout's order.
    const n = x.shape[0];
    let delta = later(run('Mul', [attrs.float], [backprop, scale ?? this.inverse(n)]));
    const grads: tf.Tensor[] = [];
    for (let i = layers.length - 1; i >= 0; i--) {
      const input = i === 0 ? x : (outputs[i - 1] as tf.Tensor);
      const dKernel = later(run('MatMul', attrs.matMul.transposeA, [input, delta]));
      grads.unshift(later(run('Reshape', attrs.reshape, [dKernel, this.constants.flat])));
      if (i === 0) break;
      grads.splice(1, 0, later(run('BiasAddGrad', [attrs.float], [delta])));
      let dInput = later(run('MatMul', attrs.matMul.transposeB, [delta, kernels[i] as tf.Tensor]));
      const mask = masks[i - 1];
      if (mask) dInput = later(run('Mul', [attrs.float], [dInput, mask]));
      // `input` is the ReLU output (times the dropout mask): positive exactly where the ReLU passes.
      delta = later(run('ReluGrad', [attrs.float], [dInput, input]));
    }
    const g = later(run('ConcatV2', attrs.concat, [...grads, this.constants.axis]));
    const t = s.iterations + s.steps + 1;
    const powers = [tf.scalar(this.hyper.beta1 ** t), tf.scalar(this.hyper.beta2 ** t)];
    // Free every other reader of the old weights first, so the update needs no copy.
    tf.dispose(garbage.filter((x) => x !== g));
    const { beta1, beta2, epsilon } = this.constants;
    b.executeMultipleOutputs('ResourceApplyAdam', [attrs.float], [s.params, s.m, s.v, ...powers, (this.learningRate as { tensor: tf.Scalar }).tensor, beta1, beta2, epsilon, g], 0);
    tf.dispose([g, ...powers]);
    s.steps += 1;
    return { losses, logits };
  }

  /** Writes the weights and moments back to the model and FlatAdam; frees the variables. */
  end(): void {
    const s = this.state;
    if (!s) return;
    this.state = undefined;
    const read = (handle: tf.Tensor) => this.b.executeSingleOutput('ReadVariableOp', [this.attrs.dtype], [handle]);
    const [params, m, v] = [read(s.params), read(s.m), read(s.v)];
    tf.tidy(() => {
      const parts = tf.split(params, this.variables.map((w) => w.size));
      this.variables.forEach((w, i) => w.assign(tf.reshape(parts[i] as tf.Tensor, w.shape)));
    });
    this.optimizer.restoreMoments(m, v, s.steps);
    tf.dispose([params, m, v, s.params, s.m, s.v]);
  }

  dispose(): void {
    this.end();
    tf.dispose([...Object.values(this.constants).flat(), ...this.scales.values(), ...(this.learningRate ? [this.learningRate.tensor] : [])]);
    this.scales.clear();
  }

  private inverse(n: number): tf.Scalar {
    let s = this.scales.get(n);
    if (!s) {
      s = tf.keep(tf.scalar(1 / n));
      this.scales.set(n, s);
    }
    return s;
  }
}

function makeAttrs(b: NativeBackend, pieces: number) {
  const { TF_ATTR_TYPE, TF_ATTR_BOOL, TF_FLOAT, TF_INT32 } = b.binding;
  const binding = b.binding as NativeBackend['binding'] & { TF_ATTR_INT: number; TF_ATTR_SHAPE: number; TF_ATTR_STRING: number };
  const float = { name: 'T', type: TF_ATTR_TYPE, value: TF_FLOAT };
  const int = (name: string) => ({ name, type: TF_ATTR_TYPE, value: TF_INT32 });
  const matMul = (ta: boolean, tb: boolean): OpAttr[] => [float, { name: 'transpose_a', type: TF_ATTR_BOOL, value: ta }, { name: 'transpose_b', type: TF_ATTR_BOOL, value: tb }];
  const dtype = { name: 'dtype', type: TF_ATTR_TYPE, value: TF_FLOAT };
  return {
    float,
    dtype,
    pieces,
    matMul: { plain: matMul(false, false), transposeA: matMul(true, false), transposeB: matMul(false, true) },
    split: [{ name: 'num_split', type: binding.TF_ATTR_INT, value: pieces }, float, int('Tlen')],
    reshape: [float, int('Tshape')],
    concat: [{ name: 'N', type: binding.TF_ATTR_INT, value: pieces }, float, int('Tidx')],
    crossEntropy: [float, int('Tlabels')],
    varHandle: (size: number) => [
      dtype,
      { name: 'shape', type: binding.TF_ATTR_SHAPE, value: [size] },
      { name: 'container', type: binding.TF_ATTR_STRING, value: '' },
      { name: 'shared_name', type: binding.TF_ATTR_STRING, value: ANONYMOUS },
    ],
  };
}

/**
 * The Dense layers of `InputLayer → Flatten → (Dense(relu) [SeededDropout])… → Dense(softmax)` with
 * their variables in `variables` as kernel, bias per layer; anything else (other activations or
 * layers, no bias) is not covered.
 */
function denseStack(model: tf.LayersModel, variables: tf.Variable[]): Layer[] | undefined {
  const [input, flatten, ...rest] = model.layers;
  if (input?.getClassName() !== 'InputLayer' || flatten?.getClassName() !== 'Flatten' || rest.length === 0) return undefined;
  const layers: Layer[] = [];
  const expected: tf.LayerVariable[] = [];
  const dense = rest.filter((layer) => !(layer instanceof SeededDropout));
  for (const layer of rest) {
    const previous = layers[layers.length - 1];
    if (layer instanceof SeededDropout) {
      if (!previous?.relu || previous.dropout || !(layer.dropRate > 0 && layer.dropRate < 1)) return undefined;
      previous.dropout = layer;
      continue;
    }
    const config = layer.getConfig();
    const last = layer === dense[dense.length - 1];
    const [kernel, bias] = layer.trainableWeights;
    if (layer.getClassName() !== 'Dense' || config['activation'] !== (last ? 'softmax' : 'relu') || !kernel || !bias || layer.trainableWeights.length !== 2) return undefined;
    if (kernel.dtype !== 'float32' || kernel.shape.length !== 2) return undefined;
    layers.push({ inputs: kernel.shape[0] as number, units: kernel.shape[1] as number, relu: !last });
    expected.push(kernel, bias);
  }
  if (expected.length !== variables.length || expected.some((w, i) => (w.read() as tf.Variable) !== variables[i])) return undefined;
  return layers;
}

/**
 * The multiplier tf.dropout applies (`floor(u + keep) / keep`, u uniform from the layer's next
 * seed), computed in float32 as TF.js does: the same mask sequence as the TF.js path.
 */
function dropoutMultiplier(shape: [number, number], layer: SeededDropout): tf.Tensor {
  const keep = Math.fround(1 - layer.dropRate);
  const scale = Math.fround(1 / keep);
  const uniform = tf.randomUniform(shape, 0, 1, 'float32', layer.nextMaskSeed());
  const u = uniform.dataSync();
  uniform.dispose();
  const mask = new Float32Array(u.length);
  for (let i = 0; i < u.length; i++) mask[i] = Math.fround((u[i] ?? 0) + keep) >= 1 ? scale : 0;
  return tf.tensor2d(mask, shape);
}
