import * as tf from '@tensorflow/tfjs';
import { applyStandardizer, type SequenceDataset, type Standardizer } from '../training/data.js';

/**
 * What a held-out split says about a model: accuracy, top-5, per class, per signer, the
 * confusion matrix (rows = true class, columns = predicted) and the latency of one window on
 * the backend in use.
 */
export interface EvaluationReport {
  samples: number;
  accuracy: number;
  top5: number;
  perClass: { label: string; support: number; accuracy: number }[];
  perSigner: { signer: string; support: number; accuracy: number }[];
  confusion: { labels: string[]; matrix: number[][] };
  latency: { backend: string; windows: number; p50Ms: number; p95Ms: number; meanMs: number };
}

export interface EvaluateOptions {
  standardizer?: Standardizer | undefined;
  batchSize?: number;
  /** Windows timed one at a time for the latency figures (after warm-up). */
  latencyWindows?: number;
}

/** Class probabilities for every sample, `[samples, classes]` row-major. */
export async function predictProbabilities(model: tf.LayersModel, ds: SequenceDataset, options: EvaluateOptions = {}): Promise<Float32Array> {
  const [n, frames, features] = ds.shape;
  const x = applyStandardizer(ds.x, features, options.standardizer);
  const batch = options.batchSize ?? 256;
  const classes = ds.classNames.length;
  const out = new Float32Array(n * classes);
  for (let start = 0; start < n; start += batch) {
    const count = Math.min(batch, n - start);
    const probs = tf.tidy(() => model.predict(tf.tensor3d(x.subarray(start * frames * features, (start + count) * frames * features), [count, frames, features])) as tf.Tensor);
    out.set(await probs.data(), start * classes);
    probs.dispose();
  }
  return out;
}

export async function evaluateModel(model: tf.LayersModel, ds: SequenceDataset, options: EvaluateOptions = {}): Promise<EvaluationReport> {
  const [n] = ds.shape;
  const classes = ds.classNames.length;
  const probs = await predictProbabilities(model, ds, options);
  const matrix = ds.classNames.map(() => new Array<number>(classes).fill(0));
  let correct = 0;
  let top5 = 0;
  const bySigner = new Map<string, { support: number; correct: number }>();
  for (let i = 0; i < n; i++) {
    const row = probs.subarray(i * classes, (i + 1) * classes);
    const ranked = Array.from(row, (p, c) => [p, c] as const).sort((a, b) => b[0] - a[0]);
    const predicted = ranked[0]?.[1] ?? 0;
    const truth = ds.labels[i] ?? 0;
    const hit = predicted === truth;
    const matrixRow = matrix[truth];
    if (matrixRow) matrixRow[predicted] = (matrixRow[predicted] ?? 0) + 1;
    if (hit) correct++;
    if (ranked.slice(0, 5).some(([, c]) => c === truth)) top5++;
    const signer = ds.signers?.[i];
    if (signer !== undefined) {
      const s = bySigner.get(signer) ?? { support: 0, correct: 0 };
      s.support++;
      if (hit) s.correct++;
      bySigner.set(signer, s);
    }
  }
  const perClass = ds.classNames.map((label, c) => {
    const row = matrix[c] ?? [];
    const support = row.reduce((a, b) => a + b, 0);
    return { label, support, accuracy: support ? (row[c] ?? 0) / support : 0 };
  });
  const perSigner = [...bySigner.entries()].sort(([a], [b]) => a.localeCompare(b)).map(([signer, s]) => ({ signer, support: s.support, accuracy: s.correct / s.support }));
  return {
    samples: n,
    accuracy: n ? correct / n : 0,
    top5: n ? top5 / n : 0,
    perClass,
    perSigner,
    confusion: { labels: [...ds.classNames], matrix },
    latency: await measureWindowLatency(model, ds, options),
  };
}

/** Times `predict` on single windows: what a live transcriber pays per window. */
export async function measureWindowLatency(model: tf.LayersModel, ds: SequenceDataset, options: EvaluateOptions = {}): Promise<EvaluationReport['latency']> {
  const [n, frames, features] = ds.shape;
  const windows = Math.min(options.latencyWindows ?? 50, Math.max(n, 1));
  const times: number[] = [];
  const x = applyStandardizer(ds.x, features, options.standardizer);
  for (let i = -5; i < windows; i++) {
    const at = ((i + n * 10) % Math.max(n, 1)) * frames * features;
    const started = performance.now();
    const probs = tf.tidy(() => model.predict(tf.tensor3d(x.subarray(at, at + frames * features), [1, frames, features])) as tf.Tensor);
    await probs.data();
    probs.dispose();
    if (i >= 0) times.push(performance.now() - started);
  }
  times.sort((a, b) => a - b);
  const pick = (q: number) => times[Math.min(times.length - 1, Math.floor(q * times.length))] ?? 0;
  return { backend: tf.getBackend(), windows: times.length, p50Ms: pick(0.5), p95Ms: pick(0.95), meanMs: times.reduce((a, b) => a + b, 0) / Math.max(times.length, 1) };
}
