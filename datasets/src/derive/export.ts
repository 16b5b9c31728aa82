import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { writeNpy } from '../importers/npy.js';
import { blobKey } from '../store/backend.js';
import { canonicalJson } from '../store/canonical.js';
import type { ArraysOptions, Dataset } from '../store/dataset.js';

export type ExportFormat = 'npy' | 'dir';

export interface ExportResult {
  format: ExportFormat;
  out: string;
  files: string[];
  shape?: [number, number, number];
}

/**
 * Writes a version out of the store:
 * - `npy`: x.npy float32 [n][frames][features], y.npy int32 labels, labels.txt (label n on
 *   line n), samples.csv (id, gloss, label, signer, fold) — for NumPy / PyTorch users;
 * - `dir`: the version's own files under readable names (manifest.json, data.f32, flags.u8,
 *   index.json, splits.json) — a self-contained copy, checkable against the manifest's sha256s.
 */
export async function exportDataset(dataset: Dataset, format: ExportFormat, out: string, arrays: ArraysOptions = {}): Promise<ExportResult> {
  await mkdir(out, { recursive: true });
  if (format === 'dir') {
    const m = dataset.manifest;
    const store = dataset.store;
    const files: [string, string][] = [
      ['data.f32', m.files.data.sha256],
      ['flags.u8', m.files.flags.sha256],
      ['index.json', m.files.index.sha256],
      ...(m.splits ? ([['splits.json', m.splits.file.sha256]] as [string, string][]) : []),
    ];
    for (const [name, sha] of files) await writeFile(join(out, name), await store.backend.get(blobKey(sha)));
    await writeFile(join(out, 'manifest.json'), canonicalJson(m));
    return { format, out, files: ['manifest.json', ...files.map(([n]) => n)] };
  }
  const a = await dataset.toArrays(arrays);
  const folds = await dataset.folds();
  await writeFile(join(out, 'x.npy'), writeNpy(a.x, a.shape));
  await writeFile(join(out, 'y.npy'), writeNpy(a.y, [a.y.length]));
  await writeFile(join(out, 'labels.txt'), a.labels.join('\n') + '\n');
  const positions = arrays.indices ?? [...dataset.index.keys()];
  const rows = positions.map((p, i) => {
    const e = dataset.index[p];
    return [csv(a.ids[i] ?? ''), csv(e?.gloss ?? ''), String(a.y[i] ?? ''), csv(a.signers[i] ?? ''), folds ? String(folds[p] ?? '') : ''].join(',');
  });
  await writeFile(join(out, 'samples.csv'), ['id,gloss,label,signer,fold', ...rows].join('\n') + '\n');
  return { format, out, files: ['x.npy', 'y.npy', 'labels.txt', 'samples.csv'], shape: a.shape };
}

function csv(text: string): string {
  return /[",\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}
