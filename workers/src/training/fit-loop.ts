import * as tf from '@tensorflow/tfjs';
import type { FlatAdam } from './adam.js';
import { NativeDenseStep } from './native-dense.js';
import { nativeBackend, sparseSoftmaxCrossEntropy, sparseSoftmaxCrossEntropyMean } from './native-kernels.js';

/**
 * The training loop (what model.fit does, minus its per-batch overhead): batches are sliced once
 * per epoch from tensors already in the backend, each step is one tape + one flat Adam update,
 * and the epoch's loss and accuracy are read back once at its end rather than per batch. The
 * loss is softmax cross-entropy from the logits under the final softmax, as Keras computes it
 * for a softmax output; class weights scale each sample's loss, then the batch mean is taken.
 */
export interface EpochLosses {
  loss: number;
  accuracy: number;
  valLoss?: number;
  valAccuracy?: number;
}

export interface EpochInput {
  x: tf.Tensor;
  /** int32 class indices. */
  labels: tf.Tensor1D;
  /** Sample order of this epoch. */
  order: Int32Array;
  batchSize: number;
  validation?: { x: tf.Tensor; labels: tf.Tensor1D } | undefined;
  signal?: AbortSignal | undefined;
}

/** Longest stretch without returning to the event loop (heartbeats, NATS, cancellation). */
const YIELD_MS = 200;

export class EpochRunner {
  private readonly variables: tf.Variable[];
  private readonly head: { features: tf.LayersModel; kernel: tf.LayerVariable; bias: tf.LayerVariable } | undefined;
  private readonly classWeights: tf.Tensor1D | undefined;
  /** The native Dense-stack step (null: this model is not one). */
  private dense: NativeDenseStep | null | undefined;

  constructor(
    private readonly model: tf.LayersModel,
    private readonly optimizer: FlatAdam,
    classWeight: Record<number, number> | undefined,
    classes: number,
  ) {
    this.variables = model.trainableWeights.map((w) => w.read() as tf.Variable);
    this.head = softmaxHead(model);
    this.classWeights = classWeight ? tf.tensor1d(Array.from({ length: classes }, (_, i) => classWeight[i] ?? 1), 'float32') : undefined;
  }

  /** Pre-softmax scores `[batch, classes]`. */
  logits(x: tf.Tensor, training: boolean): tf.Tensor2D {
    if (!this.head) {
      const probabilities = this.model.apply(x, { training }) as tf.Tensor2D;
      return tf.log<tf.Tensor2D>(tf.clipByValue(probabilities, 1e-7, 1));
    }
    const features = this.head.features.apply(x, { training }) as tf.Tensor2D;
    return tf.add<tf.Tensor2D>(tf.matMul(features, this.head.kernel.read()), this.head.bias.read());
  }

  async run(input: EpochInput): Promise<EpochLosses> {
    const n = input.x.shape[0] ?? 0;
    const sizes: number[] = [];
    for (let start = 0; start < n; start += input.batchSize) sizes.push(Math.min(input.batchSize, n - start));
    if (this.dense === undefined && nativeBackend()) this.dense = NativeDenseStep.forModel(this.model, this.variables, this.optimizer) ?? null;
    const dense = nativeBackend() ? (this.dense ?? undefined) : undefined;
    const { shuffledLabels, xs, ys, ws, weightsAll } = tf.tidy(() => {
      const order = tf.tensor1d(input.order, 'int32');
      const labels = tf.gather(input.labels, order);
      const weights = this.classWeights ? tf.gather(this.classWeights, labels) : undefined;
      const x = tf.gather(input.x, order);
      if (!dense) return { shuffledLabels: labels, xs: tf.split(x, sizes), ys: tf.split<tf.Tensor1D>(labels, sizes), ws: weights ? tf.split<tf.Tensor1D>(weights, sizes) : undefined, weightsAll: undefined };
      // The native step scales the loss gradient per sample: class weight / batch size, `[n, 1]`.
      const inverse = Float32Array.from(sizes.flatMap((size) => Array<number>(size).fill(1 / size)));
      return {
        shuffledLabels: labels,
        xs: tf.split(dense.augment(x), sizes),
        ys: tf.split<tf.Tensor1D>(labels, sizes),
        ws: weights ? tf.split(tf.reshape(tf.mul(weights, tf.tensor1d(inverse)), [n, 1]), sizes) : undefined,
        weightsAll: weights,
      };
    });
    const losses: tf.Tensor[] = [];
    const predictions: tf.Tensor[] = [];
    try {
      let lastYield = performance.now();
      dense?.begin();
      for (let i = 0; i < sizes.length; i++) {
        if (dense) {
          const { losses: loss, logits } = dense.step(xs[i] as tf.Tensor2D, ys[i] as tf.Tensor1D, ws?.[i]);
          losses.push(loss);
          predictions.push(logits);
        } else {
          const [loss, predicted] = this.step(xs[i] as tf.Tensor, ys[i] as tf.Tensor1D, ws?.[i] as tf.Tensor1D | undefined);
          losses.push(loss);
          predictions.push(predicted);
        }
        if (performance.now() - lastYield > YIELD_MS) {
          await new Promise((resolve) => setImmediate(resolve));
          input.signal?.throwIfAborted();
          lastYield = performance.now();
        }
      }
      dense?.end();
      // The native step leaves unweighted losses and logits: weight and take argMax once here.
      const totals = tf.tidy(() => {
        const loss = weightsAll ? tf.mul(tf.concat(losses), weightsAll) : tf.concat(losses);
        const predicted = dense ? tf.argMax(tf.concat(predictions), 1) : tf.concat(predictions);
        return tf.stack([tf.sum(loss), tf.sum(tf.cast(tf.equal(predicted, shuffledLabels), 'float32'))]);
      });
      const [lossSum = Number.NaN, correct = Number.NaN] = await readAndDispose(totals);
      const validation = input.validation ? await this.evaluate(input.validation.x, input.validation.labels) : undefined;
      return { loss: lossSum / n, accuracy: correct / n, ...(validation ? { valLoss: validation.loss, valAccuracy: validation.accuracy } : {}) };
    } finally {
      dense?.end();
      tf.dispose([shuffledLabels, ...xs, ...ys, ...(ws ?? []), ...(weightsAll ? [weightsAll] : []), ...losses, ...predictions]);
    }
  }

  /** Mean cross-entropy and accuracy over a held-out set (inference mode), read once. */
  async evaluate(x: tf.Tensor, labels: tf.Tensor1D, chunk = 512): Promise<{ loss: number; accuracy: number }> {
    const n = x.shape[0] ?? 0;
    const totals = tf.tidy(() => {
      const parts: tf.Tensor[] = [];
      for (let start = 0; start < n; start += chunk) {
        const size = Math.min(chunk, n - start);
        const xb = tf.slice(x, start, size);
        const yb = tf.slice(labels, start, size);
        const z = this.logits(xb, false);
        parts.push(tf.stack([tf.sum(sparseSoftmaxCrossEntropy(z, yb)), tf.sum(tf.cast(tf.equal(tf.argMax(z, 1), yb), 'float32'))]));
      }
      return tf.addN(parts);
    });
    const [loss = Number.NaN, correct = Number.NaN] = await readAndDispose(totals);
    return { loss: loss / n, accuracy: correct / n };
  }

  private step(x: tf.Tensor, labels: tf.Tensor1D, weights: tf.Tensor1D | undefined): [tf.Tensor, tf.Tensor] {
    let perSample: tf.Tensor | undefined;
    let predicted: tf.Tensor | undefined;
    const { value, grads } = tf.variableGrads(() => {
      const z = this.logits(x, true);
      predicted = tf.keep(tf.argMax(z, 1));
      if (!weights) {
        const { mean, perSample: losses } = sparseSoftmaxCrossEntropyMean(z, labels);
        perSample = losses;
        return mean;
      }
      const weighted = tf.mul(sparseSoftmaxCrossEntropy(z, labels), weights);
      perSample = tf.keep(weighted);
      return tf.mean<tf.Scalar>(weighted);
    }, this.variables);
    this.optimizer.applyFlat(
      this.variables,
      this.variables.map((v) => grads[v.name] as tf.Tensor),
    );
    tf.dispose([value, ...Object.values(grads)]);
    if (!perSample || !predicted) throw new Error('training step produced no loss');
    return [perSample, predicted];
  }

  dispose(): void {
    this.dense?.dispose();
    this.classWeights?.dispose();
  }
}

/** The model minus its final softmax Dense, when it ends in one (every model buildModel makes). */
function softmaxHead(model: tf.LayersModel): { features: tf.LayersModel; kernel: tf.LayerVariable; bias: tf.LayerVariable } | undefined {
  const last = model.layers[model.layers.length - 1];
  if (!last || last.getClassName() !== 'Dense') return undefined;
  const config = last.getConfig();
  const [kernel, bias] = last.trainableWeights;
  if (config['activation'] !== 'softmax' || !kernel || !bias || last.inboundNodes.length !== 1) return undefined;
  return { features: tf.model({ inputs: model.inputs, outputs: last.input }), kernel, bias };
}

async function readAndDispose(t: tf.Tensor): Promise<number[]> {
  try {
    return Array.from(await t.data());
  } finally {
    t.dispose();
  }
}
