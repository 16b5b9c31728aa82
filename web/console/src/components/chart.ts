import { html } from 'htm/preact';

export interface Series {
  name: string;
  points: [number, number][];
  dashed?: boolean;
}

const COLORS = ['#2563eb', '#dc2626', '#16a34a', '#9333ea', '#ea580c', '#0891b2', '#be185d', '#4d7c0f'];

/** A small SVG line chart: several series (runs, train/val) over epochs, with a legend. */
export function LineChart({ title, series, yLabel }: { title: string; series: Series[]; yLabel?: string }) {
  const all = series.flatMap((s) => s.points);
  if (all.length === 0) return html`<div class="chart empty">${title}: no data yet</div>`;
  const W = 420;
  const H = 220;
  const L = 48;
  const B = 28;
  const xs = all.map((p) => p[0]);
  const ys = all.map((p) => p[1]);
  const [x0, x1] = [Math.min(...xs), Math.max(...xs, Math.min(...xs) + 1)];
  let [y0, y1] = [Math.min(...ys), Math.max(...ys)];
  if (y0 === y1) [y0, y1] = [y0 - 0.5, y1 + 0.5];
  const sx = (x: number) => L + ((x - x0) / (x1 - x0)) * (W - L - 10);
  const sy = (y: number) => 10 + (1 - (y - y0) / (y1 - y0)) * (H - B - 10);
  const ticks = [y0, (y0 + y1) / 2, y1];
  return html`<figure class="chart" data-chart=${title}>
    <figcaption>${title}</figcaption>
    <svg width=${W} height=${H} viewBox=${`0 0 ${W} ${H}`}>
      <line x1=${L} y1=${H - B} x2=${W - 10} y2=${H - B} class="axis" />
      <line x1=${L} y1="10" x2=${L} y2=${H - B} class="axis" />
      ${ticks.map((t) => html`<text x=${L - 6} y=${sy(t) + 4} text-anchor="end" class="tick">${t.toFixed(t < 10 ? 2 : 0)}</text>`)}
      <text x=${W / 2} y=${H - 6} text-anchor="middle" class="tick">epoch</text>
      ${yLabel ? html`<text x="12" y=${H / 2} class="tick" transform=${`rotate(-90 12 ${H / 2})`}>${yLabel}</text>` : null}
      ${series.map(
        (s, i) =>
          html`<polyline fill="none" stroke=${COLORS[i % COLORS.length]} stroke-width="2" stroke-dasharray=${s.dashed ? '5 4' : ''}
            points=${s.points.map(([x, y]) => `${sx(x)},${sy(y)}`).join(' ')} data-series=${s.name} />`,
      )}
    </svg>
    <div class="legend">${series.map((s, i) => html`<span><i style=${`background:${COLORS[i % COLORS.length]}`}></i>${s.name}</span>`)}</div>
  </figure>`;
}

/** Rows = true class, columns = predicted; cell shade by row share. */
export function ConfusionMatrix({ labels, matrix }: { labels: string[]; matrix: number[][] }) {
  return html`<table class="confusion" data-testid="confusion">
    <thead><tr><th>true \\ predicted</th>${labels.map((l) => html`<th>${l}</th>`)}</tr></thead>
    <tbody>
      ${matrix.map((row, i) => {
        const total = row.reduce((a, b) => a + b, 0) || 1;
        return html`<tr><th>${labels[i] ?? i}</th>${row.map((v, j) => html`<td style=${`background: rgba(37,99,235,${(v / total).toFixed(2)}); color: ${v / total > 0.5 ? '#fff' : 'inherit'}`} title=${`${labels[i] ?? i} → ${labels[j] ?? j}`}>${v}</td>`)}</tr>`;
      })}
    </tbody>
  </table>`;
}
