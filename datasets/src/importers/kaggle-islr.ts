import { readFile, stat } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { parquetMetadata, parquetRead, type DecodedArray } from 'hyparquet';
import { DatasetInputError } from '../errors.js';
import { HOLISTIC_543, componentOffsets, layoutPointCount } from '../format/layout.js';
import { FrameFlag } from '../format/manifest.js';
import type { SampleInput } from '../format/sample.js';
import { SourceDigest, type ImportItem, type ImportSource } from './common.js';
import { textLines } from './keypoint-csv.js';

export interface KaggleIslrOptions {
  /** Frames per second (the competition data does not say; its phone videos are about 30). */
  fps?: number;
  /** Import only the first n rows of train.csv. */
  limit?: number;
}

const COLUMNS = ['frame', 'type', 'landmark_index', 'x', 'y', 'z'] as const;
const POINTS = layoutPointCount(HOLISTIC_543);
const OFFSETS = new Map([...componentOffsets(HOLISTIC_543)].map(([name, o]) => [name, { start: o.start, count: o.component.points }]));

interface TrainRow {
  path: string;
  participant: string;
  sequence: string;
  sign: string;
  line: number;
}

/**
 * Kaggle "Isolated Sign Language Recognition" (Google, 2023): `train.csv` with
 * `path, participant_id, sequence_id, sign`, and one parquet file per sequence with columns
 * `frame, row_id, type, landmark_index, x, y, z`, 543 landmarks per frame (face 468, left hand
 * 21, pose 33, right hand 21), NaN where not detected. `location` is train.csv or its folder.
 */
export async function openKaggleIslr(location: string, options: KaggleIslrOptions = {}): Promise<ImportSource> {
  const csvPath = (await stat(location).catch(() => undefined))?.isDirectory() ? join(location, 'train.csv') : location;
  let text: string;
  try {
    text = await readFile(csvPath, 'utf8');
  } catch (err) {
    throw new DatasetInputError(csvPath, 'cannot read train.csv (path, participant_id, sequence_id, sign)', { cause: err });
  }
  const [head, ...lines] = textLines(text);
  const cols = (head ?? '').split(',').map((c) => c.trim());
  const at = (name: string) => cols.indexOf(name);
  if (['path', 'participant_id', 'sequence_id', 'sign'].some((c) => at(c) < 0)) {
    throw new DatasetInputError(csvPath, `header ${JSON.stringify(head)} must name path, participant_id, sequence_id and sign`);
  }
  const rows: TrainRow[] = lines.slice(0, options.limit ?? lines.length).map((line, i) => {
    const cells = line.split(',').map((c) => c.trim());
    return { path: cells[at('path')] ?? '', participant: cells[at('participant_id')] ?? '', sequence: cells[at('sequence_id')] ?? '', sign: cells[at('sign')] ?? '', line: i + 2 };
  });
  const root = dirname(csvPath);
  const digest = new SourceDigest();
  const fps = options.fps ?? 30;
  return {
    kind: 'kaggle-islr',
    location: csvPath,
    layout: HOLISTIC_543,
    coordinates: { space: 'image-normalized' },
    total: rows.length,
    params: { fps, ...(options.limit !== undefined ? { limit: options.limit } : {}) },
    digest: () => digest.digest(),
    async *items(): AsyncGenerator<ImportItem> {
      for (const row of rows) {
        if (!row.path || !row.sign || !row.sequence) {
          yield { skip: { item: `${csvPath}:${row.line}`, reason: 'bad-csv-row', detail: 'empty path, sequence_id or sign' } };
          continue;
        }
        const file = join(root, row.path);
        let bytes: Uint8Array;
        try {
          bytes = await readFile(file);
        } catch (err) {
          yield { skip: { item: file, reason: 'unreadable', detail: String(err) } };
          continue;
        }
        digest.add(row.path, bytes);
        try {
          const sample = await parseIslrParquet(bytes, file);
          yield { sample: { ...sample, id: row.sequence, gloss: row.sign, signer: row.participant || null, source: row.path, fps } };
        } catch (err) {
          if (!(err instanceof DatasetInputError)) throw err;
          yield { skip: { item: file, reason: err.message.includes('no landmark') ? 'no-landmarks' : 'corrupt-parquet', detail: err.message } };
        }
      }
    },
  };
}

/** One ISLR parquet file → frames × 543 × (x, y, z, visibility); throws DatasetInputError naming the file. */
export async function parseIslrParquet(bytes: Uint8Array, file: string): Promise<Pick<SampleInput, 'data' | 'flags' | 'cameras'>> {
  const buffer = bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) as ArrayBuffer;
  let metadata;
  try {
    metadata = parquetMetadata(buffer);
  } catch (err) {
    throw new DatasetInputError(file, `not a readable parquet file (${err instanceof Error ? err.message : String(err)})`, { cause: err });
  }
  const names = new Set(metadata.schema.slice(1).map((s) => s.name));
  const missing = COLUMNS.filter((c) => !names.has(c));
  if (missing.length > 0) throw new DatasetInputError(file, `missing column(s) ${missing.join(', ')}: expected frame, row_id, type, landmark_index, x, y, z`);
  const columns = new Map<string, { rowStart: number; data: DecodedArray }[]>();
  try {
    await parquetRead({
      file: buffer,
      metadata,
      columns: [...COLUMNS],
      onChunk: (chunk) => {
        const list = columns.get(chunk.columnName) ?? [];
        list.push({ rowStart: chunk.rowStart, data: chunk.columnData });
        columns.set(chunk.columnName, list);
      },
    });
  } catch (err) {
    throw new DatasetInputError(file, `corrupt parquet data (${err instanceof Error ? err.message : String(err)})`, { cause: err });
  }
  const col = (name: string): ArrayLike<unknown> => flat((columns.get(name) ?? []).sort((a, b) => a.rowStart - b.rowStart).map((c) => c.data));
  const frame = col('frame');
  const type = col('type');
  const index = col('landmark_index');
  const xs = col('x');
  const ys = col('y');
  const zs = col('z');
  const n = Number(metadata.num_rows);
  if ([frame, type, index, xs, ys, zs].some((c) => c.length !== n)) throw new DatasetInputError(file, `columns hold fewer rows than the file's ${n}: truncated or corrupt`);
  if (n === 0) throw new DatasetInputError(file, 'no rows');
  if (n % POINTS !== 0) throw new DatasetInputError(file, `${n} rows is not a whole number of frames of ${POINTS} landmarks`);
  // Frame numbers in order of first appearance (the files are sorted by frame).
  const framePos = new Map<number, number>();
  for (let r = 0; r < n; r++) {
    const f = Number(frame[r]);
    if (!framePos.has(f)) framePos.set(f, framePos.size);
  }
  const frames = framePos.size;
  if (frames * POINTS !== n) throw new DatasetInputError(file, `${frames} frames but ${n} rows: expected ${POINTS} rows per frame`);
  const data = new Float32Array(frames * POINTS * 4);
  const seen = new Uint8Array(frames * POINTS);
  const perFrame = new Int32Array(frames);
  for (let r = 0; r < n; r++) {
    const kind = String(type[r]);
    const o = OFFSETS.get(kind);
    if (!o) throw new DatasetInputError(file, `row ${r}: unknown landmark type ${JSON.stringify(kind)} (expected face, left_hand, pose, right_hand)`);
    const li = Number(index[r]);
    if (!Number.isInteger(li) || li < 0 || li >= o.count) throw new DatasetInputError(file, `row ${r}: ${kind} landmark_index ${li} outside 0..${o.count - 1}`);
    const f = framePos.get(Number(frame[r])) ?? 0;
    const p = f * POINTS + o.start + li;
    if (seen[p]) throw new DatasetInputError(file, `row ${r}: duplicate ${kind} landmark ${li} in frame ${String(frame[r])}`);
    seen[p] = 1;
    const x = Number(xs[r]);
    const y = Number(ys[r]);
    if (!Number.isFinite(x) || !Number.isFinite(y)) continue;
    const z = Number(zs[r]);
    data[p * 4] = x;
    data[p * 4 + 1] = y;
    data[p * 4 + 2] = Number.isFinite(z) ? z : 0;
    data[p * 4 + 3] = 1;
    perFrame[f] = (perFrame[f] ?? 0) + 1;
  }
  const flags = new Uint8Array(frames);
  perFrame.forEach((count, f) => {
    if (count === 0) flags[f] = FrameFlag.noLandmarks;
  });
  if (perFrame.every((c) => c === 0)) throw new DatasetInputError(file, 'no landmark detected in any frame (all NaN)');
  return { data, flags, cameras: [] };
}

/** One array of a column's row-group chunks (typed arrays stay typed). */
function flat(chunks: DecodedArray[]): ArrayLike<unknown> {
  if (chunks.length === 1 && chunks[0]) return chunks[0];
  const total = chunks.reduce((n, c) => n + c.length, 0);
  const first = chunks[0];
  if (first && ArrayBuffer.isView(first) && !(first instanceof DataView) && chunks.every((c) => c.constructor === first.constructor)) {
    const Ctor = first.constructor as new (n: number) => { set(a: ArrayLike<number>, at: number): void } & ArrayLike<unknown>;
    const out = new Ctor(total);
    let at = 0;
    for (const c of chunks) {
      out.set(c as ArrayLike<number>, at);
      at += c.length;
    }
    return out;
  }
  const out = new Array<unknown>(total);
  let at = 0;
  for (const c of chunks) for (let i = 0; i < c.length; i++) out[at++] = c[i];
  return out;
}
