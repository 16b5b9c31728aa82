import { html } from 'htm/preact';
import { get } from '../api.js';
import { LineChart, type Series } from '../components/chart.js';
import { Card, ErrorBox, Status, useAsync } from '../components/ui.js';
import { loadRunMetrics, type RunMetrics } from '../metrics.js';
import { href } from '../router.js';
import type { RunDetail } from '../types.js';

function cell(v: unknown): string {
  return v === undefined ? '—' : typeof v === 'number' ? String(Math.round(v * 10_000) / 10_000) : JSON.stringify(v);
}

export function ComparePage({ ids }: { ids: string[] }) {
  const data = useAsync(
    () => Promise.all(ids.map(async (id) => {
      const run = await get<RunDetail>(`/v1/runs/${encodeURIComponent(id)}`);
      return { run, metrics: await loadRunMetrics(run) };
    })),
    [ids.join(',')],
  );
  if (ids.length < 2) return html`<div class="page"><h1>Compare runs</h1><p>Select two or more runs on the <a href="#/runs">runs page</a>.</p></div>`;
  const rows = data.data ?? [];
  const paramKeys = [...new Set(rows.flatMap((r) => Object.keys(r.run.parameters)))].sort();
  const metricKeys = [...new Set(rows.flatMap((r) => Object.keys(r.metrics.scalars)))].sort();
  const curves = (pick: (m: RunMetrics) => [number, number][]): Series[] => rows.map((r) => ({ name: r.run.runId, points: pick(r.metrics) }));
  const differs = (values: unknown[]) => new Set(values.map((v) => JSON.stringify(v))).size > 1;
  return html`<div class="page">
    <h1>Compare runs</h1>
    <${ErrorBox} error=${data.error} />
    <${Card} title="Parameters">
      <table data-testid="compare-params"><thead><tr><th></th>${rows.map((r) => html`<th><a href=${href(`/runs/${r.run.runId}`)}>${r.run.runId}</a> <${Status} status=${r.run.status} /></th>`)}</tr></thead>
      <tbody>
        <tr><th>pipeline</th>${rows.map((r) => html`<td>${r.run.pipeline} ${r.run.pipelineVersion ?? ''}</td>`)}</tr>
        ${paramKeys.map((k) => html`<tr class=${differs(rows.map((r) => r.run.parameters[k])) ? 'differs' : ''}><th>${k}</th>${rows.map((r) => html`<td>${cell(r.run.parameters[k])}</td>`)}</tr>`)}
      </tbody></table>
    </${Card}>
    <${Card} title="Metrics">
      ${metricKeys.length === 0 ? html`<p class="muted">No numeric metrics in these runs.</p>` : null}
      <table data-testid="compare-metrics"><thead><tr><th></th>${rows.map((r) => html`<th>${r.run.runId}</th>`)}</tr></thead><tbody>
        ${metricKeys.map((k) => html`<tr class=${differs(rows.map((r) => r.metrics.scalars[k])) ? 'differs' : ''}><th>${k}</th>${rows.map((r) => html`<td>${cell(r.metrics.scalars[k])}</td>`)}</tr>`)}
      </tbody></table>
      <div class="row">
        <${LineChart} title="loss (overlaid)" series=${curves((m) => m.epochs.map((e) => [e.epoch, e.loss]))} />
        <${LineChart} title="accuracy (overlaid)" series=${curves((m) => m.epochs.map((e) => [e.epoch, e.accuracy]))} />
      </div>
    </${Card}>
  </div>`;
}
