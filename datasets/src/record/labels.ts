import { readFile } from 'node:fs/promises';
import { DatasetInputError } from '../errors.js';
import { textLines } from '../importers/keypoint-csv.js';

/** One labelled segment: [start, end) in nanoseconds of capture time. */
export interface LabelSegment {
  start: bigint;
  end: bigint;
  gloss: string;
  signer: string | null;
  /** 1-based line in the label file. */
  line: number;
  /** True when start/end were seconds relative to the recording's first packet. */
  relative: boolean;
}

/**
 * Label file: CSV with a header `start,end,gloss[,signer]`. Times are seconds (decimals
 * allowed) from the capture time of the first packet recorded, or ISO 8601 date-times
 * (absolute, e.g. 2026-11-25T21:00:03.250Z). Segments may not overlap.
 */
export async function readLabelFile(file: string): Promise<LabelSegment[]> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (err) {
    throw new DatasetInputError(file, 'cannot read the label file', { cause: err });
  }
  return parseLabels(text, file);
}

export function parseLabels(text: string, file: string): LabelSegment[] {
  const [head, ...rows] = textLines(text);
  const cols = (head ?? '').split(',').map((c) => c.trim().toLowerCase());
  const at = { start: cols.indexOf('start'), end: cols.indexOf('end'), gloss: cols.indexOf('gloss'), signer: cols.indexOf('signer') };
  if (at.start < 0 || at.end < 0 || at.gloss < 0) throw new DatasetInputError(file, `header ${JSON.stringify(head)} needs start, end and gloss columns`);
  const out: LabelSegment[] = rows
    .map((row, i) => ({ row, line: i + 2 }))
    .filter(({ row }) => row.trim() !== '' && !row.trim().startsWith('#'))
    .map(({ row, line }) => {
      const cells = row.split(',').map((c) => c.trim());
      const where = `${file}:${line}`;
      const start = parseTime(cells[at.start] ?? '', where);
      const end = parseTime(cells[at.end] ?? '', where);
      if (start.relative !== end.relative) throw new DatasetInputError(where, 'start and end must both be seconds or both be date-times');
      if (end.ns <= start.ns) throw new DatasetInputError(where, `end ${cells[at.end]} is not after start ${cells[at.start]}`);
      const gloss = cells[at.gloss] ?? '';
      if (!gloss) throw new DatasetInputError(where, 'empty gloss');
      return { start: start.ns, end: end.ns, gloss, signer: at.signer >= 0 ? cells[at.signer] || null : null, line, relative: start.relative };
    });
  if (out.length === 0) throw new DatasetInputError(file, 'no segments');
  if (new Set(out.map((s) => s.relative)).size > 1) throw new DatasetInputError(file, 'mixes relative seconds and date-times: use one kind');
  const sorted = [...out].sort((a, b) => (a.start < b.start ? -1 : a.start > b.start ? 1 : 0));
  for (let i = 1; i < sorted.length; i++) {
    const prev = sorted[i - 1];
    const cur = sorted[i];
    if (prev && cur && cur.start < prev.end) throw new DatasetInputError(`${file}:${cur.line}`, `segment overlaps the one on line ${prev.line}`);
  }
  return sorted;
}

function parseTime(text: string, where: string): { ns: bigint; relative: boolean } {
  if (/^\d+(\.\d+)?$/.test(text)) {
    const [whole, frac = ''] = text.split('.');
    return { ns: BigInt(whole ?? '0') * 1_000_000_000n + BigInt((frac + '000000000').slice(0, 9)), relative: true };
  }
  const ms = Date.parse(text);
  if (!Number.isFinite(ms) || !/^\d{4}-\d{2}-\d{2}T/.test(text)) throw new DatasetInputError(where, `time ${JSON.stringify(text)}: expected seconds (3.25) or an ISO date-time`);
  const sub = /\.(\d+)/.exec(text)?.[1] ?? '';
  const extraNs = sub.length > 3 ? BigInt((sub + '000000000').slice(3, 9)) : 0n;
  return { ns: BigInt(ms) * 1_000_000n + extraNs, relative: false };
}
