import { readFile } from 'node:fs/promises';
import { DatasetInputError } from '../errors.js';
import { textLines } from './keypoint-csv.js';

export type LabelTable = Map<string, { gloss: string; signer: string | null }>;

/**
 * A CSV with a header naming at least `path` and `gloss` (or `sign`), optionally `signer` (or
 * `participant_id`): which gloss and signer each file is. Plain comma separation, no quoting.
 */
export async function readLabelTable(file: string): Promise<LabelTable> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (err) {
    throw new DatasetInputError(file, 'cannot read the labels file', { cause: err });
  }
  const [head, ...rows] = textLines(text);
  const cols = (head ?? '').split(',').map((c) => c.trim());
  const pathCol = cols.indexOf('path');
  const glossCol = cols.findIndex((c) => c === 'gloss' || c === 'sign');
  const signerCol = cols.findIndex((c) => c === 'signer' || c === 'participant_id');
  if (pathCol < 0 || glossCol < 0) throw new DatasetInputError(file, `header ${JSON.stringify(head)} needs columns path and gloss (or sign)`);
  const out: LabelTable = new Map();
  rows.forEach((line, i) => {
    const cells = line.split(',').map((c) => c.trim());
    const path = cells[pathCol];
    const gloss = cells[glossCol];
    if (!path || !gloss) throw new DatasetInputError(`${file}:${i + 2}`, 'row has no path or gloss');
    out.set(path, { gloss, signer: signerCol >= 0 ? (cells[signerCol] ?? null) || null : null });
  });
  return out;
}
