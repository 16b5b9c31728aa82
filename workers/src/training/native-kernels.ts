import * as tf from '@tensorflow/tfjs';

/**
 * Direct use of libtensorflow kernels on the native (`tensorflow`) backend, where TF.js would
 * otherwise run many small eager ops: each eager op costs tens of microseconds of dispatch, so
 * training small models is dominated by op count, not arithmetic. These are the same kernels
 * Keras runs (TensorFlow's GRUBlockCell, SparseSoftmaxCrossEntropyWithLogits, MatMul), called
 * through the binding's generic `executeOp`. Every caller keeps a composite-op fallback for the
 * wasm and cpu backends; results are the same maths either way (tests compare them).
 */

interface OpAttr {
  name: string;
  type: number;
  value: unknown;
}

/** The parts of tfjs-node's NodeJSKernelBackend used here. */
export interface NativeBackend {
  binding: { TF_ATTR_TYPE: number; TF_ATTR_BOOL: number; TF_FLOAT: number; TF_INT32: number };
  executeSingleOutput(name: string, attrs: OpAttr[], inputs: tf.Tensor[]): tf.Tensor;
  executeMultipleOutputs(name: string, attrs: OpAttr[], inputs: tf.Tensor[], outputs: number): tf.Tensor[];
}

/** The native backend when it is the active one (set SIGNFLOW_TFJS_FUSED=0 to compare without these kernels). */
export function nativeBackend(): NativeBackend | undefined {
  if (tf.getBackend() !== 'tensorflow' || process.env['SIGNFLOW_TFJS_FUSED'] === '0') return undefined;
  const backend = tf.backend() as unknown as Partial<NativeBackend>;
  return typeof backend.executeMultipleOutputs === 'function' && backend.binding ? (backend as NativeBackend) : undefined;
}

const floatAttr = (b: NativeBackend, name = 'T'): OpAttr => ({ name, type: b.binding.TF_ATTR_TYPE, value: b.binding.TF_FLOAT });

/** SparseSoftmaxCrossEntropyWithLogits: the per-sample loss `[batch]` and its gradient wrt the logits. */
function sparseXentKernel(native: NativeBackend, logits: tf.Tensor, labels: tf.Tensor1D): [tf.Tensor1D, tf.Tensor] {
  const attrs = [floatAttr(native), { name: 'Tlabels', type: native.binding.TF_ATTR_TYPE, value: native.binding.TF_INT32 }];
  return native.executeMultipleOutputs('SparseSoftmaxCrossEntropyWithLogits', attrs, [logits, labels], 2) as [tf.Tensor1D, tf.Tensor];
}

/**
 * Per-sample softmax cross-entropy from logits and int32 labels, `[batch]`. Natively one kernel
 * gives the loss and its gradient (as Keras does for a softmax output); elsewhere logSoftmax.
 */
export function sparseSoftmaxCrossEntropy(logits: tf.Tensor2D, labels: tf.Tensor1D): tf.Tensor1D {
  const native = nativeBackend();
  if (!native) {
    return tf.tidy(() => tf.neg(tf.sum(tf.mul(tf.oneHot(labels, logits.shape[1]), tf.logSoftmax(logits)), -1)) as tf.Tensor1D);
  }
  const op = tf.customGrad((...args: (tf.Tensor | tf.GradSaveFunc)[]) => {
    const z = args[0] as tf.Tensor;
    const save = args[1] as tf.GradSaveFunc;
    const [loss, backprop] = sparseXentKernel(native, z, labels);
    save([backprop]);
    return { value: loss, gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => tf.mul(tf.expandDims(dy, 1), saved[0] as tf.Tensor) };
  });
  return op(logits);
}

/**
 * The batch mean of the same loss, and the per-sample values (kept: the caller disposes them).
 * Natively the mean's gradient is one multiply of the kernel's backprop, instead of TF.js's
 * mean and broadcast gradients.
 */
export function sparseSoftmaxCrossEntropyMean(logits: tf.Tensor2D, labels: tf.Tensor1D): { mean: tf.Scalar; perSample: tf.Tensor1D } {
  const native = nativeBackend();
  let perSample: tf.Tensor1D | undefined;
  if (!native) {
    perSample = tf.keep(sparseSoftmaxCrossEntropy(logits, labels));
    return { mean: tf.mean<tf.Scalar>(perSample), perSample };
  }
  const n = logits.shape[0];
  const op = tf.customGrad((...args: (tf.Tensor | tf.GradSaveFunc)[]) => {
    const z = args[0] as tf.Tensor;
    const save = args[1] as tf.GradSaveFunc;
    const [loss, backprop] = sparseXentKernel(native, z, labels);
    perSample = tf.keep(loss);
    save([backprop]);
    return { value: tf.mean(loss), gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => tf.mul(saved[0] as tf.Tensor, tf.div(dy, n)) };
  });
  const mean = op(logits) as tf.Scalar;
  if (!perSample) throw new Error('cross-entropy kernel gave no per-sample losses');
  return { mean, perSample };
}

/** One step of TensorFlow's GRUBlockCell: outputs r, u, c, h (each `[batch, units]`). */
export function gruBlockCell(b: NativeBackend, inputs: [x: tf.Tensor, hPrev: tf.Tensor, wRu: tf.Tensor, wC: tf.Tensor, bRu: tf.Tensor, bC: tf.Tensor]): tf.Tensor[] {
  return b.executeMultipleOutputs('GRUBlockCell', [floatAttr(b)], inputs, 4);
}

/** GRUBlockCellGrad: outputs d_x, d_h_prev, d_c_bar, d_r_bar_u_bar. */
export function gruBlockCellGrad(b: NativeBackend, inputs: tf.Tensor[]): tf.Tensor[] {
  return b.executeMultipleOutputs('GRUBlockCellGrad', [floatAttr(b)], inputs, 4);
}

let installed = false;

/**
 * Replaces two TF.js kernels of the native backend with cheaper libtensorflow ones, once per
 * process after the native backend is selected:
 * - BatchMatMul with two rank-2 float operands → MatMul (what Keras's Dense runs; TF.js maps
 *   every matMul to BatchMatMulV2, several times dearer per call). Other shapes: unchanged.
 * - Step with alpha 0 (the ReLU derivative in every fused Dense gradient) → Relu(Sign(x)): the
 *   same values, NaN included, in two kernels instead of six.
 */
export function installNativeKernels(): void {
  if (installed || !nativeBackend()) return;
  const matMul = tf.getKernel('BatchMatMul', 'tensorflow');
  const step = tf.getKernel('Step', 'tensorflow');
  if (!matMul || !step) return;
  tf.unregisterKernel('BatchMatMul', 'tensorflow');
  tf.registerKernel({
    ...matMul,
    kernelFunc: (args) => {
      const { a, b } = args.inputs as { a: tf.TensorInfo; b: tf.TensorInfo };
      const { transposeA, transposeB } = args.attrs as { transposeA: boolean; transposeB: boolean };
      const backend = args.backend as unknown as NativeBackend;
      if (a.shape.length !== 2 || b.shape.length !== 2 || a.dtype !== 'float32' || b.dtype !== 'float32') return matMul.kernelFunc(args);
      return backend.executeSingleOutput(
        'MatMul',
        [floatAttr(backend), { name: 'transpose_a', type: backend.binding.TF_ATTR_BOOL, value: transposeA }, { name: 'transpose_b', type: backend.binding.TF_ATTR_BOOL, value: transposeB }],
        [a as tf.Tensor, b as tf.Tensor],
      );
    },
  });
  tf.unregisterKernel('Step', 'tensorflow');
  tf.registerKernel({
    ...step,
    kernelFunc: (args) => {
      const { x } = args.inputs as { x: tf.TensorInfo };
      const backend = args.backend as unknown as NativeBackend;
      if ((args.attrs as { alpha?: number }).alpha !== 0 || x.dtype !== 'float32') return step.kernelFunc(args);
      const sign = backend.executeSingleOutput('Sign', [floatAttr(backend)], [x as tf.Tensor]);
      const out = backend.executeSingleOutput('Relu', [floatAttr(backend)], [sign]);
      sign.dispose();
      return out;
    },
  });
  installed = true;
}
