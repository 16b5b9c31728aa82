import Table from 'cli-table3';
import type { DatasetManifest } from '../format/manifest.js';
import type { VersionListing } from '../store/store.js';

export function table(head: string[], rows: (string | number)[][]): string {
  const t = new Table({ head, style: { head: [], border: [] } });
  for (const row of rows) t.push(row.map(String));
  return t.toString();
}

export function renderList(rows: VersionListing[]): string {
  if (rows.length === 0) return 'no datasets yet: import one with `signflow dataset import <kind> <path> --name <name>`';
  return table(
    ['name', 'version', 'samples', 'created', ''],
    rows.map((r) => [r.name, r.id.slice(0, 12), r.samples, r.createdAt.replace(/\.\d+Z$/, 'Z'), r.latest ? 'latest' : '']),
  );
}

const sortedCounts = (counts: Record<string, number>): [string, number][] => Object.entries(counts).sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1));

/** The `dataset show` page: summary, class counts, signer counts, quality, splits, provenance. */
export function renderShow(id: string, m: DatasetManifest): string {
  const lines: string[] = [];
  lines.push(`${m.name} @ ${id}`);
  if (m.description) lines.push(m.description);
  lines.push(
    `samples ${m.sampleCount}, frames ${m.frameCount}, classes ${m.labels.length}, signers ${Object.keys(m.signerCounts).filter((s) => s !== '').length}${m.signerCounts[''] ? ` (+${m.signerCounts['']} samples without signer id)` : ''}`,
  );
  lines.push(`layout ${m.layout.id}: ${m.layout.components.map((c) => `${c.name} ${c.points}`).join(', ')}; coordinates ${m.coordinates.space}${m.coordinates.width ? ` ${m.coordinates.width}x${m.coordinates.height ?? '?'}` : ''}`);
  lines.push(`fps ${m.fps.min === m.fps.max ? m.fps.min : `${m.fps.min}–${m.fps.max}`}; cameras ${m.cameras.length ? m.cameras.join(', ') : '(none recorded)'}`);
  lines.push('', 'class counts');
  lines.push(table(['gloss', 'samples'], sortedCounts(m.classCounts)));
  lines.push('', 'signer counts');
  lines.push(table(['signer', 'samples'], sortedCounts(m.signerCounts).map(([s, n]) => [s || '(none)', n])));
  const q = m.quality;
  lines.push('', 'quality');
  const qrows: (string | number)[][] = [
    ...Object.entries(q.flagged).map(([k, n]) => [`flagged ${k}`, `${n} frames`]),
    ...Object.entries(q.dropped).map(([k, n]) => [`dropped ${k}`, `${n} frames`]),
    ...Object.entries(q.skipped).map(([k, n]) => [`skipped ${k}`, `${n} items`]),
  ];
  lines.push(qrows.length ? table(['', 'count'], qrows) : 'no frame flagged, dropped or item skipped');
  if (m.splits) {
    lines.push('', `splits: ${m.splits.method}, k=${m.splits.k}, seed ${m.splits.seed}`);
    lines.push(table(['fold', 'samples', 'signers'], m.splits.foldSizes.map((n, i) => [i, n, m.splits?.foldSigners?.[i]?.join(' ') ?? '-'])));
  }
  lines.push('', 'provenance');
  for (const s of m.provenance.sources) lines.push(`  source ${s.kind} ${s.location}${s.files !== undefined ? ` (${s.files} files)` : ''}${s.license ? `, ${s.license}` : ''}`);
  for (const s of m.provenance.sources) if (s.citation) lines.push(`  cite: ${s.citation}`);
  if (m.provenance.parents.length) lines.push(`  parents ${m.provenance.parents.map((p) => p.slice(0, 12)).join(', ')}`);
  lines.push(`  steps ${m.provenance.steps.map((s) => s.op).join(' → ') || '-'}`);
  return lines.join('\n');
}
