import { readdir, readFile, stat } from 'node:fs/promises';
import { basename, join } from 'node:path';
import { DatasetInputError } from '../errors.js';
import { MSL150_LAYOUT, frameFloats } from '../format/layout.js';
import { FrameFlag } from '../format/manifest.js';
import { naturalCompare, SourceDigest, type ImportItem, type ImportSource } from './common.js';
import { parseNpy } from './npy.js';

export const MSL150_VALUES = 226;
export const MSL150_CITATION =
  'Becerril Carrillo, A. de J. (2025). MSL-150: Mexican Sign Language isolated signs (MediaPipe Holistic keypoints). Zenodo. https://doi.org/10.5281/zenodo.17783312';

export interface Msl150Options {
  /** Frames per second of the recordings (the source does not store it; MSL-150 videos are ~30 fps). */
  fps?: number;
  /** Signer id for every sample: MSL-150 is one native signer. */
  signer?: string;
}

interface Sequence {
  gloss: string;
  id: string;
  /** Frame files in order, or one (frames, 226) file. */
  files: string[];
  single: boolean;
}

/**
 * MSL-150 keypoint arrays: `<root>/<sign>/<sequence>/<frame>.npy`, each float64 (226,), or one
 * `<root>/<sign>/<sequence>.npy` of shape (frames, 226). Values: pose landmarks 0–24 as
 * (x, y, z, visibility), then left hand and right hand 21 × (x, y, z); an all-zero block is a
 * part that was not detected. `root` may also be the folder holding `sample_npy/`.
 */
export async function openMsl150(root: string, options: Msl150Options = {}): Promise<ImportSource> {
  const base = (await isDir(join(root, 'sample_npy'))) ? join(root, 'sample_npy') : root;
  if (!(await isDir(base))) throw new DatasetInputError(root, 'not a folder: give the MSL-150 sample_npy folder (<sign>/<sequence>/<frame>.npy)');
  const sequences: Sequence[] = [];
  for (const sign of (await readdir(base, { withFileTypes: true })).filter((d) => d.isDirectory()).map((d) => d.name).sort()) {
    const signDir = join(base, sign);
    const entries = (await readdir(signDir, { withFileTypes: true })).sort((a, b) => naturalCompare(a.name, b.name));
    for (const e of entries) {
      if (e.isDirectory()) {
        const frames = (await readdir(join(signDir, e.name))).filter((f) => f.endsWith('.npy'));
        frames.sort((a, b) => naturalCompare(basename(a, '.npy'), basename(b, '.npy')));
        sequences.push({ gloss: sign, id: `${sign}/${e.name}`, files: frames.map((f) => join(sign, e.name, f)), single: false });
      } else if (e.name.endsWith('.npy')) {
        sequences.push({ gloss: sign, id: `${sign}/${basename(e.name, '.npy')}`, files: [join(sign, e.name)], single: true });
      }
    }
  }
  if (sequences.length === 0) throw new DatasetInputError(base, 'no <sign>/<sequence>/<frame>.npy files found');
  const digest = new SourceDigest();
  const fps = options.fps ?? 30;
  const signer = options.signer ?? 'msl150-signer-1';
  return {
    kind: 'msl150-npy',
    location: base,
    layout: MSL150_LAYOUT,
    coordinates: { space: 'image-normalized' },
    license: 'MIT (upstream statement; cite the dataset)',
    citation: MSL150_CITATION,
    total: sequences.length,
    params: { fps, signer },
    digest: () => digest.digest(),
    async *items(): AsyncGenerator<ImportItem> {
      for (const seq of sequences) yield await readSequence(base, seq, digest, fps, signer);
    },
  };
}

async function readSequence(base: string, seq: Sequence, digest: SourceDigest, fps: number, signer: string): Promise<ImportItem> {
  const rows: { file: string; values: Float64Array }[] = [];
  for (const rel of seq.files) {
    const file = join(base, rel);
    let bytes: Uint8Array;
    try {
      bytes = await readFile(file);
    } catch (err) {
      return { skip: { item: file, reason: 'unreadable', detail: String(err) } };
    }
    digest.add(rel, bytes);
    let arr;
    try {
      arr = parseNpy(bytes, file);
    } catch (err) {
      return { skip: { item: file, reason: 'corrupt-npy', detail: err instanceof Error ? err.message : String(err) } };
    }
    const shapeOk = seq.single ? arr.shape.length === 2 && arr.shape[1] === MSL150_VALUES : arr.shape.length === 1 && arr.shape[0] === MSL150_VALUES;
    if (!shapeOk) {
      const want = seq.single ? `(frames, ${MSL150_VALUES})` : `(${MSL150_VALUES},)`;
      return { skip: { item: file, reason: 'wrong-shape', detail: `${file}: shape (${arr.shape.join(', ')}), expected ${want}` } };
    }
    const frames = seq.single ? (arr.shape[0] ?? 0) : 1;
    for (let f = 0; f < frames; f++) rows.push({ file, values: arr.data.subarray(f * MSL150_VALUES, (f + 1) * MSL150_VALUES) });
  }
  if (!seq.single) {
    const numbers = seq.files.map((f) => Number(basename(f, '.npy')));
    const gap = numbers.findIndex((n, i) => n !== i);
    if (gap >= 0) return { skip: { item: join(base, seq.id), reason: 'missing-frames', detail: `frame files are not 0..${numbers.length - 1}: ${numbers[gap]} at position ${gap}` } };
  }
  if (rows.length === 0) return { skip: { item: join(base, seq.id), reason: 'empty-sequence' } };
  const stride = frameFloats(MSL150_LAYOUT);
  const data = new Float32Array(rows.length * stride);
  const flags = new Uint8Array(rows.length);
  let detected = 0;
  for (const [f, row] of rows.entries()) {
    const bad = row.values.findIndex((v) => !Number.isFinite(v));
    if (bad >= 0) return { skip: { item: row.file, reason: 'nan-values', detail: `${row.file}: value ${row.values[bad]} at index ${bad}` } };
    const any = convertFrame(row.values, data, f * stride);
    if (any) detected++;
    else flags[f] = FrameFlag.noLandmarks;
  }
  if (detected === 0) return { skip: { item: join(base, seq.id), reason: 'no-landmarks', detail: 'every frame is all zeros' } };
  return { sample: { id: seq.id, gloss: seq.gloss, signer, source: seq.id, fps, cameras: [], data, flags } };
}

/** One 226-value frame into MSL150_LAYOUT points; returns whether anything was detected. */
export function convertFrame(v: Float64Array, out: Float32Array, at: number): boolean {
  const blocks: { start: number; points: number; width: number; point0: number }[] = [
    { start: 0, points: 25, width: 4, point0: 0 },
    { start: 100, points: 21, width: 3, point0: 25 },
    { start: 163, points: 21, width: 3, point0: 46 },
  ];
  let any = false;
  for (const b of blocks) {
    let present = false;
    for (let i = b.start; i < b.start + b.points * b.width; i++) if (v[i] !== 0) present = true;
    if (!present) continue;
    any = true;
    for (let p = 0; p < b.points; p++) {
      const src = b.start + p * b.width;
      const dst = at + (b.point0 + p) * 4;
      out[dst] = v[src] ?? 0;
      out[dst + 1] = v[src + 1] ?? 0;
      out[dst + 2] = v[src + 2] ?? 0;
      out[dst + 3] = b.width === 4 ? Math.min(1, Math.max(0, v[src + 3] ?? 0)) : 1;
    }
  }
  return any;
}

async function isDir(path: string): Promise<boolean> {
  try {
    return (await stat(path)).isDirectory();
  } catch {
    return false;
  }
}
