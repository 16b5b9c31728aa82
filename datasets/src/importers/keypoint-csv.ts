import { readFile } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { DatasetInputError } from '../errors.js';
import { HAND21_2D_LAYOUT } from '../format/layout.js';
import { SourceDigest, type ImportItem, type ImportSource } from './common.js';

export interface KeypointCsvOptions {
  /** Class names by line (line n = class id n); default `keypoint_classifier_label.csv` beside the CSV. */
  labelsFile?: string;
}

const POINTS = 21;

/** Lines of a text file without a byte-order mark, CR or trailing empty lines. */
export function textLines(text: string): string[] {
  const lines = text.replace(/^\uFEFF/, '').split(/\r?\n/);
  while (lines.length > 0 && lines.at(-1)?.trim() === '') lines.pop();
  return lines;
}

/**
 * Hand keypoint CSV (kazuhito00 hand-gesture-recognition-using-mediapipe `keypoint.csv`): no
 * header; each row a class id then x0, y0, …, x20, y20, relative to the wrist and divided by the
 * row's largest absolute value. Each row becomes a one-frame sample of one 2D hand; rows with a
 * wrong column count, a non-number or an unknown class id are counted and skipped.
 */
export async function openKeypointCsv(csvPath: string, options: KeypointCsvOptions = {}): Promise<ImportSource> {
  const labelsPath = options.labelsFile ?? join(dirname(csvPath), 'keypoint_classifier_label.csv');
  const digest = new SourceDigest();
  let csv: Uint8Array;
  let labelBytes: Uint8Array;
  try {
    csv = await readFile(csvPath);
  } catch (err) {
    throw new DatasetInputError(csvPath, 'cannot read the keypoint CSV', { cause: err });
  }
  try {
    labelBytes = await readFile(labelsPath);
  } catch (err) {
    throw new DatasetInputError(labelsPath, 'cannot read the class label file (one class name per line; pass --labels)', { cause: err });
  }
  digest.add(basename(csvPath), csv);
  digest.add(basename(labelsPath), labelBytes);
  const labels = textLines(new TextDecoder().decode(labelBytes)).map((l) => l.trim());
  if (labels.length === 0 || labels.some((l) => l === '')) throw new DatasetInputError(labelsPath, 'the label file has an empty class name');
  const rows = textLines(new TextDecoder().decode(csv));
  return {
    kind: 'keypoint-csv',
    location: csvPath,
    layout: HAND21_2D_LAYOUT,
    coordinates: { space: 'hand', mirrored: true },
    license: 'Apache-2.0 (kazuhito00/hand-gesture-recognition-using-mediapipe)',
    total: rows.length,
    params: { labels },
    digest: () => digest.digest(),
    async *items(): AsyncGenerator<ImportItem> {
      for (const [i, line] of rows.entries()) yield rowItem(csvPath, i + 1, line, labels);
    },
  };
}

function rowItem(file: string, lineNo: number, line: string, labels: string[]): ImportItem {
  const item = `${file}:${lineNo}`;
  const cells = line.split(',').map((c) => c.trim());
  if (cells.length !== 1 + POINTS * 2) return { skip: { item, reason: 'wrong-columns', detail: `${cells.length} columns, expected ${1 + POINTS * 2}` } };
  const values = cells.map((c) => (c === '' ? Number.NaN : Number(c)));
  const bad = values.findIndex((v) => !Number.isFinite(v));
  if (bad >= 0) return { skip: { item, reason: 'not-a-number', detail: `column ${bad + 1}: ${JSON.stringify(cells[bad])}` } };
  const classId = values[0] ?? -1;
  const gloss = Number.isInteger(classId) ? labels[classId] : undefined;
  if (gloss === undefined) return { skip: { item, reason: 'unknown-class', detail: `class id ${cells[0]} (labels 0..${labels.length - 1})` } };
  const data = new Float32Array(POINTS * 4);
  for (let p = 0; p < POINTS; p++) {
    data[p * 4] = values[1 + p * 2] ?? 0;
    data[p * 4 + 1] = values[2 + p * 2] ?? 0;
    data[p * 4 + 3] = 1;
  }
  return { sample: { id: `row-${lineNo}`, gloss, signer: null, source: `${basename(file)}:${lineNo}`, fps: 1, cameras: [], data } };
}
