import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { SequenceDataset } from './data.js';

/**
 * Direct readers of the two shared fixtures, for tests, benchmarks and the Keras comparison
 * (which must see byte-identical arrays). Pipelines go through the datasets package's importers
 * and `fromDatasetArrays`; these stay small on purpose.
 */

/** `.npy` v1 float64/float32 little-endian, C order: the data only. */
export function parseNpyFloats(bytes: Uint8Array, file: string): Float64Array | Float32Array {
  const headerLength = bytes[8] !== undefined && bytes[9] !== undefined ? bytes[8] + bytes[9] * 256 : 0;
  const header = Buffer.from(bytes.subarray(10, 10 + headerLength)).toString('latin1');
  const descr = /'descr':\s*'([^']+)'/.exec(header)?.[1];
  if (/'fortran_order':\s*True/.test(header)) throw new Error(`${file}: Fortran-order arrays are not supported`);
  const start = 10 + headerLength;
  const body = bytes.slice(start);
  if (descr === '<f8') return new Float64Array(body.buffer, body.byteOffset, body.byteLength / 8);
  if (descr === '<f4') return new Float32Array(body.buffer, body.byteOffset, body.byteLength / 4);
  throw new Error(`${file}: dtype ${descr ?? '?'} is not float32/float64`);
}

/** MSL-150 `sample_npy/<sign>/<sequence>/<frame>.npy` → `[sequences, 30, 226]`; one signer. */
export async function loadMsl150Npy(root: string): Promise<SequenceDataset> {
  const signs = (await readdir(root, { withFileTypes: true })).filter((d) => d.isDirectory()).map((d) => d.name).sort();
  const rows: Float32Array[] = [];
  const labels: number[] = [];
  const ids: string[] = [];
  let frames = 0;
  let features = 0;
  for (const [label, sign] of signs.entries()) {
    const sequences = (await readdir(join(root, sign))).sort((a, b) => Number(a) - Number(b));
    for (const sequence of sequences) {
      const files = (await readdir(join(root, sign, sequence))).filter((f) => f.endsWith('.npy')).sort((a, b) => parseInt(a, 10) - parseInt(b, 10));
      const parts = await Promise.all(files.map(async (f) => parseNpyFloats(new Uint8Array(await readFile(join(root, sign, sequence, f))), f)));
      frames = parts.length;
      features = parts[0]?.length ?? 0;
      const row = new Float32Array(frames * features);
      parts.forEach((p, i) => row.set(p, i * features));
      rows.push(row);
      labels.push(label);
      ids.push(`${sign}/${sequence}`);
    }
  }
  const x = new Float32Array(rows.length * frames * features);
  rows.forEach((r, i) => x.set(r, i * frames * features));
  return { x, shape: [rows.length, frames, features], labels: Int32Array.from(labels), classNames: signs, ids, signers: ids.map(() => 'msl150-signer') };
}

/** kazuhito keypoint.csv: class id, then 42 values → `[rows, 1, 42]`. Class names from the label file when given. */
export async function loadKeypointCsv(csvPath: string, labelPath?: string): Promise<SequenceDataset> {
  const lines = (await readFile(csvPath, 'utf8')).split(/\r?\n/).filter((l) => l.trim() !== '');
  const width = (lines[0]?.split(',').length ?? 1) - 1;
  const x = new Float32Array(lines.length * width);
  const labels = new Int32Array(lines.length);
  lines.forEach((line, r) => {
    const cells = line.split(',');
    labels[r] = Number(cells[0]);
    for (let c = 0; c < width; c++) x[r * width + c] = Number(cells[c + 1]);
  });
  const classCount = Math.max(...labels) + 1;
  let classNames = Array.from({ length: classCount }, (_, i) => `class_${i}`);
  if (labelPath) {
    const names = (await readFile(labelPath, 'utf8')).replace(/^\uFEFF/, '').split(/\r?\n/).map((s) => s.trim()).filter(Boolean);
    classNames = classNames.map((fallback, i) => names[i] ?? fallback);
  }
  return { x, shape: [lines.length, 1, width], labels, classNames, ids: lines.map((_, i) => `row-${i + 1}`) };
}
