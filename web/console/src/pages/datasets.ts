import { html } from 'htm/preact';
import { get } from '../api.js';
import { Card, ErrorBox, useAsync, when } from '../components/ui.js';
import { href, useRoute } from '../router.js';

/** A row of GET /v1/datasets (served by the datasets package's API plugin). */
interface DatasetRow {
  name: string;
  id: string;
  createdAt: string;
  samples: number;
  latest: boolean;
  frames?: number;
  classes?: number;
  signers?: number;
  layout?: string;
  error?: string;
}

/** GET /v1/datasets/:name/:version. */
interface DatasetSummary {
  name: string;
  id: string;
  createdAt: string | null;
  description: string | null;
  layout: string;
  coordinates: string;
  samples: number;
  frames: number;
  fps: { min: number; max: number };
  cameras: string[];
  classCounts: Record<string, number>;
  signerCounts: Record<string, number>;
  quality: { frames: number; flagged: Record<string, number>; dropped: Record<string, number>; skipped: Record<string, number>; skippedItems: { item: string; reason: string; detail?: string }[] };
  splits: { method: string; k: number; seed: number } | null;
  sources: { kind: string; location: string }[];
}

function Counts({ counts, label, testid }: { counts: Record<string, number>; label: string; testid: string }) {
  const rows = Object.entries(counts).sort(([a, x], [b, y]) => y - x || a.localeCompare(b));
  if (rows.length === 0) return html`<p class="muted">none</p>`;
  return html`<table data-testid=${testid}><thead><tr><th>${label}</th><th>samples</th></tr></thead><tbody>
    ${rows.map(([k, n]) => html`<tr><td>${k}</td><td>${n}</td></tr>`)}
  </tbody></table>`;
}

function VersionDetail({ name, version }: { name: string; version: string }) {
  const v = useAsync(() => get<DatasetSummary>(`/v1/datasets/${encodeURIComponent(name)}/${encodeURIComponent(version)}`), [name, version]);
  const s = v.data;
  return html`<${ErrorBox} error=${v.error} />
    ${s
      ? html`<${Card} title=${`${s.name} @ ${s.id.slice(0, 12)}`} id="dataset-version">
          <table class="kv" data-testid="dataset-summary"><tbody>
            <tr><th>version</th><td><code>${s.id}</code></td></tr>
            <tr><th>created</th><td>${when(s.createdAt)}</td></tr>
            ${s.description ? html`<tr><th>description</th><td>${s.description}</td></tr>` : null}
            <tr><th>samples / frames</th><td>${s.samples} / ${s.frames}</td></tr>
            <tr><th>layout, coordinates</th><td>${s.layout}, ${s.coordinates}</td></tr>
            <tr><th>fps</th><td>${s.fps.min === s.fps.max ? s.fps.min : `${s.fps.min}–${s.fps.max}`}</td></tr>
            <tr><th>cameras</th><td>${s.cameras.join(', ') || '—'}</td></tr>
            <tr><th>splits</th><td>${s.splits ? `${s.splits.method}, k=${s.splits.k}, seed ${s.splits.seed}` : '—'}</td></tr>
            <tr><th>sources</th><td>${s.sources.map((src) => `${src.kind}: ${src.location}`).join('; ') || '—'}</td></tr>
          </tbody></table>
          <h3>Class counts</h3><${Counts} counts=${s.classCounts} label="gloss" testid="dataset-classes" />
          <h3>Signer counts</h3><${Counts} counts=${s.signerCounts} label="signer" testid="dataset-signers" />
          <h3>Quality</h3>
          <table data-testid="dataset-quality"><thead><tr><th>flag or reason</th><th>flagged frames</th><th>dropped frames</th><th>skipped items</th></tr></thead><tbody>
            ${[...new Set([...Object.keys(s.quality.flagged), ...Object.keys(s.quality.dropped), ...Object.keys(s.quality.skipped)])].sort().map(
              (k) => html`<tr><td>${k}</td><td>${s.quality.flagged[k] ?? 0}</td><td>${s.quality.dropped[k] ?? 0}</td><td>${s.quality.skipped[k] ?? 0}</td></tr>`,
            )}
          </tbody></table>
          <p class="muted">${s.quality.frames} frames checked${s.quality.skippedItems.length ? `; first skipped: ${s.quality.skippedItems.slice(0, 5).map((i) => `${i.item} (${i.reason})`).join(', ')}` : ''}</p>
        </${Card}>`
      : null}`;
}

/** Dataset versions with their class and signer counts; `?name=&version=` opens one. */
export function DatasetsPage() {
  const route = useRoute();
  const list = useAsync(() => get<{ datasets: DatasetRow[] }>('/v1/datasets'), []);
  const name = route.query.get('name');
  const version = route.query.get('version');
  return html`<div class="page"><h1>Datasets</h1><${ErrorBox} error=${list.error} />
    <${Card} title="Versions">
      <table data-testid="datasets-table"><thead><tr><th>name</th><th>version</th><th>samples</th><th>frames</th><th>classes</th><th>signers</th><th>created</th></tr></thead><tbody>
        ${(list.data?.datasets ?? []).map(
          (d) => html`<tr class=${d.name === name && d.id === version ? 'selected' : ''}>
            <td>${d.name}${d.latest ? html` <span class="badge">latest</span>` : null}</td>
            <td><a href=${href('/datasets', { name: d.name, version: d.id })}><code>${d.id.slice(0, 12)}</code></a></td>
            ${d.error
              ? html`<td colspan="4" class="error">${d.error}</td>`
              : html`<td>${d.samples}</td><td>${d.frames ?? '—'}</td><td>${d.classes ?? '—'}</td><td>${d.signers ?? '—'}</td>`}
            <td>${when(d.createdAt)}</td>
          </tr>`,
        )}
      </tbody></table>
      ${list.data && list.data.datasets.length === 0 ? html`<p class="muted">No dataset yet: <code>signflow dataset import</code>.</p>` : null}
    </${Card}>
    ${name && version ? html`<${VersionDetail} name=${name} version=${version} />` : null}</div>`;
}
