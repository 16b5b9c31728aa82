/** One benchmark figure, printed as a JSON line by `npm run bench -w <pkg>`. */
export interface BenchFigure {
  metric: string;
  value: number;
  unit: string;
  /** The same figure for the reference measured in the same run, or null when there is none. */
  baseline: number | null;
  /** value / baseline, or null without a baseline. */
  ratio: number | null;
}

function round(n: number): number {
  return Number.isFinite(n) ? Number(n.toPrecision(6)) : n;
}

/** Prints `{"metric","value","unit","baseline","ratio"}` on stdout and returns it. */
export function reportFigure(metric: string, value: number, unit: string, baseline: number | null = null): BenchFigure {
  const figure: BenchFigure = {
    metric,
    value: round(value),
    unit,
    baseline: baseline === null ? null : round(baseline),
    ratio: baseline === null || baseline === 0 ? null : round(value / baseline),
  };
  process.stdout.write(`${JSON.stringify(figure)}\n`);
  return figure;
}

/** The p-th percentile (0–100) of `values`, nearest-rank. */
export function percentile(values: readonly number[], p: number): number {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const rank = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[rank] ?? Number.NaN;
}
