import { SignflowError } from '@signflow/core';
import { createRng } from './random.js';

export type SplitMethod = 'group-kfold' | 'stratified-kfold';

export interface SplitResult {
  method: SplitMethod;
  k: number;
  seed: number;
  /** Fold of each sample, in the order given. */
  folds: number[];
  foldSizes: number[];
  /** Signers in each fold (group-kfold), sorted. */
  foldSigners?: string[][];
}

/** A split that cannot be made as asked (too few signers or samples for k). */
export class SplitError extends SignflowError {
  readonly code = 'DATASET_SPLIT';
}

/**
 * Signer-independent k-fold: no signer appears in two folds. Signers are shuffled with the
 * seed, then placed largest first into the fold with the fewest samples so far (ties: lowest
 * fold), which keeps folds balanced. A sample without a signer id is its own group.
 * Throws SplitError when there are fewer groups than folds.
 */
export function groupKFold(signers: readonly (string | null)[], k: number, seed: number): SplitResult {
  checkK(k);
  const groups = new Map<string, number[]>();
  signers.forEach((s, i) => {
    const key = s === null ? `\0sample-${i}` : s;
    const list = groups.get(key) ?? [];
    list.push(i);
    groups.set(key, list);
  });
  if (groups.size < k) {
    throw new SplitError(`${groups.size} signer group(s) for ${k} folds: a signer-independent split needs at least k signers (lower --k, or use --method stratified-kfold, which mixes signers across folds)`);
  }
  const order = createRng(seed).shuffle([...groups.keys()].sort());
  order.sort((a, b) => (groups.get(b)?.length ?? 0) - (groups.get(a)?.length ?? 0));
  const folds = new Array<number>(signers.length).fill(0);
  const sizes = new Array<number>(k).fill(0);
  const foldSigners: string[][] = Array.from({ length: k }, () => []);
  for (const key of order) {
    let best = 0;
    for (let f = 1; f < k; f++) if ((sizes[f] ?? 0) < (sizes[best] ?? 0)) best = f;
    const members = groups.get(key) ?? [];
    for (const i of members) folds[i] = best;
    sizes[best] = (sizes[best] ?? 0) + members.length;
    if (!key.startsWith('\0')) foldSigners[best]?.push(key);
  }
  return { method: 'group-kfold', k, seed, folds, foldSizes: sizes, foldSigners: foldSigners.map((s) => s.sort()) };
}

/**
 * Stratified k-fold for data without signer ids: each class's samples are shuffled with the
 * seed and dealt round-robin, starting where the previous class stopped, so every fold gets
 * about 1/k of every class. Samples of one signer may land in several folds: scores are then
 * not signer-independent (say so when reporting them).
 */
export function stratifiedKFold(labels: readonly string[], k: number, seed: number): SplitResult {
  checkK(k);
  if (labels.length < k) throw new SplitError(`${labels.length} samples for ${k} folds: lower --k`);
  const byClass = new Map<string, number[]>();
  labels.forEach((l, i) => {
    const list = byClass.get(l) ?? [];
    list.push(i);
    byClass.set(l, list);
  });
  const rng = createRng(seed);
  const folds = new Array<number>(labels.length).fill(0);
  let next = 0;
  for (const cls of [...byClass.keys()].sort()) {
    for (const i of rng.shuffle([...(byClass.get(cls) ?? [])])) {
      folds[i] = next;
      next = (next + 1) % k;
    }
  }
  const sizes = new Array<number>(k).fill(0);
  for (const f of folds) sizes[f] = (sizes[f] ?? 0) + 1;
  return { method: 'stratified-kfold', k, seed, folds, foldSizes: sizes };
}

/** group-kfold when samples carry signer ids, stratified-kfold when none does. */
export function autoSplit(signers: readonly (string | null)[], labels: readonly string[], k: number, seed: number): SplitResult {
  return signers.every((s) => s === null) ? stratifiedKFold(labels, k, seed) : groupKFold(signers, k, seed);
}

function checkK(k: number): void {
  if (!Number.isInteger(k) || k < 2) throw new SplitError(`k must be an integer ≥ 2, got ${k}`);
}
