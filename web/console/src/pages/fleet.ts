import { html } from 'htm/preact';
import { useState } from 'preact/hooks';
import { get, getToken, post } from '../api.js';
import { Card, ErrorBox, Status, useAsync, when } from '../components/ui.js';
import { href } from '../router.js';
import type { ConsoleInfo } from '../types.js';

interface ModelVersion {
  version: number;
  createdAt: string;
  stage: string;
  lineage: { datasetVersion: string; runId?: string; params: Record<string, unknown>; metrics: Record<string, unknown>; backend: string };
}

export function ModelsPage() {
  const list = useAsync(() => get<{ models: { name: string; versions: ModelVersion[] }[] }>('/v1/models'), []);
  const [error, setError] = useState<unknown>(undefined);
  const act = async (what: string, path: string, body?: unknown) => {
    if (!confirm(what)) return;
    setError(undefined);
    try {
      await post(path, body);
      list.reload();
    } catch (err) {
      setError(err);
    }
  };
  return html`<div class="page"><h1>Models</h1><${ErrorBox} error=${list.error ?? error} />
    ${(list.data?.models ?? []).map(
      (m) => html`<${Card} title=${m.name}>
        <div class="row"><button data-testid=${`rollback-${m.name}`} onClick=${() => act(`Roll ${m.name} back to its previous production version?`, `/v1/models/${encodeURIComponent(m.name)}/rollback`)}>Roll back production</button></div>
        <table><thead><tr><th>version</th><th>stage</th><th>created</th><th>dataset</th><th>run</th><th>metrics</th><th></th></tr></thead><tbody>
          ${m.versions.map((v) => html`<tr>
            <td>${v.version}</td><td><${Status} status=${v.stage} /></td><td>${when(v.createdAt)}</td><td><code>${v.lineage.datasetVersion.slice(0, 16)}</code></td>
            <td>${v.lineage.runId ? html`<a href=${href(`/runs/${v.lineage.runId}`)}>${v.lineage.runId}</a>` : '—'}</td>
            <td>${Object.entries(v.lineage.metrics).filter(([, x]) => typeof x === 'number').map(([k, x]) => html`<span class="muted">${k}</span> ${(x as number).toFixed(3)} `)}</td>
            <td>${['staging', 'production'].filter((s) => s !== v.stage).map((s) => html`<button onClick=${() => act(`Promote ${m.name} v${v.version} to ${s}?`, `/v1/models/${encodeURIComponent(m.name)}/versions/${v.version}/promote`, { stage: s })}>→ ${s}</button>`)}</td>
          </tr>`)}
        </tbody></table>
      </${Card}>`,
    )}
    ${list.data && list.data.models.length === 0 ? html`<p class="muted">No model registered yet.</p>` : null}
  </div>`;
}

const text = (v: unknown): string => (typeof v === 'string' ? v : v === undefined ? 'unknown' : JSON.stringify(v));

export function CamerasPage() {
  const list = useAsync(() => get<{ cameras: { key: string; status: Record<string, unknown>; updatedAt: string }[] }>('/v1/cameras'), []);
  return html`<div class="page"><h1>Cameras</h1><${ErrorBox} error=${list.error} />
    <${Card} title="Fleet status"><div class="row"><button onClick=${() => list.reload()}>Refresh</button></div>
      <table data-testid="cameras-table"><thead><tr><th>rig.camera</th><th>role</th><th>state</th><th>fps</th><th>captured</th><th>sent</th><th>dropped</th><th>buffered</th><th>restarts</th><th>last error</th><th>last heartbeat</th></tr></thead><tbody>
        ${(list.data?.cameras ?? []).map((c) => {
          const s = c.status;
          const num = (k: string): number | undefined => {
            const v = s[k];
            return typeof v === 'number' ? v : undefined;
          };
          return html`<tr><td>${c.key}</td><td>${text(s['role'] ?? '—')}</td><td><${Status} status=${text(s['state'])} /></td><td>${num('fps')?.toFixed(1) ?? '—'}</td>
            <td>${num('framesCaptured') ?? '—'}</td><td>${num('framesSent') ?? '—'}</td><td>${num('dropped') ?? '—'}</td><td>${num('buffered') ?? '—'}</td><td>${num('restarts') ?? '—'}</td>
            <td class="muted">${typeof s['lastError'] === 'string' ? s['lastError'] : ''}</td><td>${when(c.updatedAt)}</td></tr>`;
        })}
      </tbody></table>
      ${list.data && list.data.cameras.length === 0 ? html`<p class="muted">No camera agent has reported yet: <code>signflow camera run rig.yaml</code>.</p>` : null}
    </${Card}></div>`;
}

export function LivePage({ info }: { info: ConsoleInfo | undefined }) {
  const base = info?.liveFeedUrl;
  // the feed needs a viewer token: handed over once in the query, it answers with an HttpOnly
  // cookie and a redirect to the same page without it
  const token = getToken();
  const url = base && token ? `${base}?token=${encodeURIComponent(token)}` : base;
  return html`<div class="page"><h1>Live feed</h1>
    ${url
      ? html`<p><a href=${url} target="_blank" rel="noopener">Open the live feed in its own tab</a></p><iframe class="live" src=${url} title="live captions"></iframe>`
      : html`<p class="muted">This API was started without the live feed page; start the stack with <code>signflow up</code> to serve it.</p>`}
  </div>`;
}
