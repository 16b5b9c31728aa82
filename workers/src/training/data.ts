import { TrainingInputError } from './errors.js';
import { mulberry32, shuffleInPlace } from './random.js';

/**
 * Labelled landmark sequences as training sees them: one float32 block of
 * `[samples, frames, features]`, a class index per sample, optional signer ids. The dataset
 * store's loaders produce this; tests and benchmarks build it from the fixtures.
 */
export interface SequenceDataset {
  x: Float32Array;
  shape: readonly [samples: number, frames: number, features: number];
  labels: Int32Array;
  classNames: readonly string[];
  /** Signer of each sample, when known: enables signer-independent splits and per-signer accuracy. */
  signers?: readonly string[] | undefined;
  /** Stable id of each sample (e.g. `doctor/7`), carried into predictions. */
  ids?: readonly string[] | undefined;
}

/** Rejects data no model can learn from, naming the problem and the fix. */
export function validateDataset(ds: SequenceDataset, source = 'dataset'): void {
  const [n, frames, features] = ds.shape;
  if (n === 0) throw new TrainingInputError(`${source} is empty: it has no samples; import or record data before training`);
  if (frames < 1 || features < 1) throw new TrainingInputError(`${source}: shape [${ds.shape.join(', ')}] has no frames or features`);
  if (ds.x.length !== n * frames * features) {
    throw new TrainingInputError(`${source}: x holds ${ds.x.length} floats, shape [${ds.shape.join(', ')}] needs ${n * frames * features}`);
  }
  if (ds.labels.length !== n) throw new TrainingInputError(`${source}: ${ds.labels.length} labels for ${n} samples`);
  if (ds.signers && ds.signers.length !== n) throw new TrainingInputError(`${source}: ${ds.signers.length} signer ids for ${n} samples`);
  const present = new Set<number>();
  for (const label of ds.labels) {
    if (label < 0 || label >= ds.classNames.length) {
      throw new TrainingInputError(`${source}: label ${label} is outside the ${ds.classNames.length} class names`);
    }
    present.add(label);
  }
  if (present.size < 2) {
    const only = ds.classNames[[...present][0] ?? 0] ?? '?';
    throw new TrainingInputError(`${source} has only one class (${JSON.stringify(only)}): a classifier needs at least two; add samples of other signs`);
  }
}

export function sampleSize(ds: SequenceDataset): number {
  return ds.shape[1] * ds.shape[2];
}

/** The samples at `indices`, as a new dataset with the same classes. */
export function subset(ds: SequenceDataset, indices: readonly number[]): SequenceDataset {
  const size = sampleSize(ds);
  const x = new Float32Array(indices.length * size);
  indices.forEach((src, dst) => x.set(ds.x.subarray(src * size, (src + 1) * size), dst * size));
  return {
    x,
    shape: [indices.length, ds.shape[1], ds.shape[2]],
    labels: Int32Array.from(indices, (i) => ds.labels[i] ?? 0),
    classNames: ds.classNames,
    signers: ds.signers ? indices.map((i) => ds.signers?.[i] ?? '') : undefined,
    ids: ds.ids ? indices.map((i) => ds.ids?.[i] ?? String(i)) : undefined,
  };
}

export interface DatasetSplit {
  train: SequenceDataset;
  validation: SequenceDataset | undefined;
  test: SequenceDataset;
  /** `signer`: no signer appears in two parts; `stratified`: each class split in proportion. */
  strategy: 'signer' | 'stratified';
  testSigners?: string[];
}

/**
 * Train / validation / test. With two or more signers the test part is whole signers (signer
 * independent); otherwise each class is split in proportion. Deterministic from `seed`.
 */
export function splitDataset(ds: SequenceDataset, options: { testFraction: number; validationFraction: number; seed: number }): DatasetSplit {
  const signers = ds.signers ? [...new Set(ds.signers)].sort() : [];
  const random = mulberry32(options.seed);
  if (signers.length >= 2) {
    shuffleInPlace(signers, random);
    const testCount = Math.max(1, Math.round(signers.length * options.testFraction));
    const testSigners = new Set(signers.slice(0, testCount));
    const test: number[] = [];
    const rest: number[] = [];
    ds.labels.forEach((_, i) => (testSigners.has(ds.signers?.[i] ?? '') ? test : rest).push(i));
    const [train, validation] = stratifiedTwoWay(ds, rest, options.validationFraction / (1 - options.testFraction), random);
    return { train: subset(ds, train), validation: validation.length ? subset(ds, validation) : undefined, test: subset(ds, test), strategy: 'signer', testSigners: [...testSigners] };
  }
  const all = Array.from(ds.labels, (_, i) => i);
  const [rest, test] = stratifiedTwoWay(ds, all, options.testFraction, random);
  const [train, validation] = stratifiedTwoWay(ds, rest, options.validationFraction / (1 - options.testFraction), random);
  return { train: subset(ds, train), validation: validation.length ? subset(ds, validation) : undefined, test: subset(ds, test), strategy: 'stratified' };
}

/** Splits `indices` into [keep, heldOut] with about `fraction` of each class held out (at least one when a class has 3+). */
function stratifiedTwoWay(ds: SequenceDataset, indices: readonly number[], fraction: number, random: () => number): [number[], number[]] {
  const byClass = new Map<number, number[]>();
  for (const i of indices) {
    const label = ds.labels[i] ?? 0;
    const list = byClass.get(label) ?? [];
    list.push(i);
    byClass.set(label, list);
  }
  const keep: number[] = [];
  const held: number[] = [];
  for (const label of [...byClass.keys()].sort((a, b) => a - b)) {
    const list = byClass.get(label) ?? [];
    shuffleInPlace(list, random);
    const count = fraction <= 0 ? 0 : list.length >= 3 ? Math.max(1, Math.round(list.length * fraction)) : 0;
    held.push(...list.slice(0, count));
    keep.push(...list.slice(count));
  }
  return [keep.sort((a, b) => a - b), held.sort((a, b) => a - b)];
}

/** Per-feature mean and standard deviation over every frame of the training split. */
export interface Standardizer {
  mean: number[];
  std: number[];
}

export function fitStandardizer(ds: SequenceDataset): Standardizer {
  const features = ds.shape[2];
  const rows = ds.shape[0] * ds.shape[1];
  const mean = new Float64Array(features);
  const sq = new Float64Array(features);
  for (let r = 0; r < rows; r++) {
    for (let f = 0; f < features; f++) {
      const v = ds.x[r * features + f] ?? 0;
      mean[f] = (mean[f] ?? 0) + v;
      sq[f] = (sq[f] ?? 0) + v * v;
    }
  }
  const outMean: number[] = [];
  const outStd: number[] = [];
  for (let f = 0; f < features; f++) {
    const m = (mean[f] ?? 0) / rows;
    const variance = Math.max(0, (sq[f] ?? 0) / rows - m * m);
    outMean.push(m);
    outStd.push(Math.sqrt(variance) > 1e-6 ? Math.sqrt(variance) : 1);
  }
  return { mean: outMean, std: outStd };
}

/** A copy of the features, standardised (or the same array when `standardizer` is undefined). */
export function applyStandardizer(x: Float32Array, features: number, standardizer: Standardizer | undefined): Float32Array {
  if (!standardizer) return x;
  const out = new Float32Array(x.length);
  for (let i = 0; i < x.length; i++) {
    const f = i % features;
    out[i] = ((x[i] ?? 0) - (standardizer.mean[f] ?? 0)) / (standardizer.std[f] ?? 1);
  }
  return out;
}

/** `n / (classes × count)` for each class present; absent classes weigh 1. */
export function balancedClassWeights(ds: SequenceDataset): Record<number, number> {
  const counts = new Map<number, number>();
  for (const label of ds.labels) counts.set(label, (counts.get(label) ?? 0) + 1);
  const weights: Record<number, number> = {};
  ds.classNames.forEach((_, c) => {
    const count = counts.get(c);
    weights[c] = count ? ds.labels.length / (counts.size * count) : 1;
  });
  return weights;
}

/** Seeded per-epoch order of the training samples: the same for a run and its resumption. */
export function epochOrder(n: number, seed: number, epoch: number): number[] {
  const order = Array.from({ length: n }, (_, i) => i);
  shuffleInPlace(order, mulberry32((seed * 100_003 + epoch * 7919) >>> 0));
  return order;
}
