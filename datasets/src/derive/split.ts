import { autoSplit, groupKFold, stratifiedKFold, type SplitMethod, type SplitResult } from '../preprocess/splits.js';
import type { Dataset } from '../store/dataset.js';
import type { DatasetStore } from '../store/store.js';
import type { WrittenVersion } from '../store/writer.js';

export interface SplitOptions {
  store: DatasetStore;
  k: number;
  seed: number;
  /** Default `auto`: group-kfold by signer when samples carry signer ids, else stratified-kfold. */
  method?: SplitMethod | 'auto';
  name?: string;
}

/** Computes folds for a version's samples (no writing). */
export function computeSplit(dataset: Dataset, options: Pick<SplitOptions, 'k' | 'seed' | 'method'>): SplitResult {
  const signers = dataset.index.map((e) => e.signer);
  const labels = dataset.index.map((e) => e.gloss);
  const method = options.method ?? 'auto';
  if (method === 'group-kfold') return groupKFold(signers, options.k, options.seed);
  if (method === 'stratified-kfold') return stratifiedKFold(labels, options.k, options.seed);
  return autoSplit(signers, labels, options.k, options.seed);
}

/**
 * A new version with the same samples (the data blob is shared, not copied) and a fold for
 * each sample; its manifest records the method, k, seed, fold sizes and signers per fold.
 */
export async function splitDataset(dataset: Dataset, options: SplitOptions): Promise<WrittenVersion & { split: SplitResult }> {
  const split = computeSplit(dataset, options);
  const m = dataset.manifest;
  const writer = options.store.createWriter({
    name: options.name ?? m.name,
    ...(m.description ? { description: m.description } : {}),
    layout: m.layout,
    coordinates: m.coordinates,
    sources: m.provenance.sources,
    parents: [dataset.id],
    steps: [...m.provenance.steps, { op: 'split', params: { method: split.method, k: split.k, seed: split.seed } }],
  });
  writer.inheritQuality({ ...m.quality, skipped: m.quality.skipped, dropped: m.quality.dropped });
  try {
    await dataset.load();
    for await (const s of dataset.samples()) await writer.add(s);
    writer.setSplits(
      { method: split.method, k: split.k, seed: split.seed, foldSizes: split.foldSizes, ...(split.foldSigners ? { foldSigners: split.foldSigners } : {}) },
      split.folds,
    );
    return { ...(await writer.commit()), split };
  } catch (err) {
    await writer.abort();
    throw err;
  }
}
