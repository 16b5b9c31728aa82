// The split both sides of the training benchmark train on (workers/keras-baseline/train.py reads
// it): standardised float32 train/test arrays, meta.json, and the TF.js trainer's per-epoch sample
// order for each seed, so Keras trains on the same batches in the same order.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { applyStandardizer, epochOrder, fitStandardizer, splitDataset, type SequenceDataset } from '../src/training/data.ts';

export interface SplitExport {
  name: string;
  model: { architecture: string; units: number; layers: number; dropout: number; kernelSize: number };
  epochs: number;
  batchSize: number;
  learningRate: number;
  /** Training seeds the sides will run with (BENCH_SEED): one order file each. */
  seeds: readonly number[];
  testFraction?: number;
}

/** Writes the split to a new temp directory and returns it. */
export function exportSplit(ds: SequenceDataset, c: SplitExport): string {
  const dir = mkdtempSync(join(tmpdir(), `signflow-split-${c.name}-`));
  const split = splitDataset(ds, { testFraction: c.testFraction ?? 0.2, validationFraction: 0, seed: 42 });
  const standardizer = fitStandardizer(split.train);
  const features = ds.shape[2];
  for (const [name, part] of [['train', split.train], ['test', split.test]] as const) {
    const x = applyStandardizer(part.x, features, standardizer);
    writeBytes(join(dir, `x_${name}.f32`), x);
    writeBytes(join(dir, `y_${name}.i32`), part.labels);
  }
  writeEpochOrders(dir, split.train.shape[0], c.seeds, c.epochs);
  writeFileSync(join(dir, 'meta.json'), JSON.stringify({ frames: ds.shape[1], features, classes: ds.classNames.length, classNames: ds.classNames, ...c.model, epochs: c.epochs, batchSize: c.batchSize, learningRate: c.learningRate, seed: c.seeds[0] ?? 42 }));
  return dir;
}

/**
 * `order_<seed>.i32`: `[epochs, samples]` int32, epoch e's order as train() draws it
 * (epochOrder(samples, seed, e)); the Keras side batches its epochs in these orders.
 */
export function writeEpochOrders(dir: string, samples: number, seeds: readonly number[], epochs: number): void {
  for (const seed of seeds) {
    const orders = new Int32Array(epochs * samples);
    for (let e = 0; e < epochs; e++) orders.set(epochOrder(samples, seed, e), e * samples);
    writeBytes(join(dir, `order_${seed}.i32`), orders);
  }
}

function writeBytes(path: string, a: Float32Array | Int32Array): void {
  writeFileSync(path, new Uint8Array(a.buffer, a.byteOffset, a.byteLength));
}
