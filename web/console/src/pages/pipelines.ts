import { html } from 'htm/preact';
import { get } from '../api.js';
import { Dag, dagNodes } from '../components/dag.js';
import { Card, ErrorBox, useAsync, when } from '../components/ui.js';
import { go, href } from '../router.js';
import type { PipelineSpec } from '../types.js';

interface PipelineRow {
  name: string;
  version: string;
  digest: string;
  createdAt: string;
}

export function PipelinesPage({ name, version }: { name?: string | undefined; version?: string | undefined }) {
  const list = useAsync(() => get<{ pipelines: PipelineRow[] }>('/v1/pipelines'), []);
  const byName = new Map<string, PipelineRow[]>();
  for (const p of list.data?.pipelines ?? []) byName.set(p.name, [...(byName.get(p.name) ?? []), p]);
  const selected = name ?? [...byName.keys()][0];
  return html`<div class="page">
    <h1>Pipelines</h1>
    <${ErrorBox} error=${list.error} />
    ${byName.size === 0 && !list.loading ? html`<p class="muted">No pipeline uploaded yet: <code>signflow pipeline upload</code> or submit a run.</p>` : null}
    <div class="split">
      <ul class="list" data-testid="pipeline-list">
        ${[...byName.entries()].map(
          ([n, versions]) => html`<li class=${n === selected ? 'active' : ''}>
            <a href=${href(`/pipelines/${encodeURIComponent(n)}`)}>${n}</a> <span class="muted">${versions.length} version${versions.length === 1 ? '' : 's'}</span>
          </li>`,
        )}
      </ul>
      ${selected ? html`<${PipelineDetail} key=${`${selected}@${version ?? ''}`} name=${selected} version=${version} versions=${byName.get(selected) ?? []} />` : null}
    </div>
  </div>`;
}

function PipelineDetail({ name, version, versions }: { name: string; version?: string | undefined; versions: PipelineRow[] }) {
  const q = version ? `?version=${encodeURIComponent(version)}` : '';
  const doc = useAsync(() => get<{ version: string; spec: PipelineSpec }>(`/v1/pipelines/${encodeURIComponent(name)}${q}`), [name, version]);
  const spec = doc.data?.spec;
  return html`<div class="grow">
    <${ErrorBox} error=${doc.error} />
    <${Card} title=${`${name} ${doc.data ? `· version ${doc.data.version}` : ''}`}>
      <div class="row">
        <label>Version
          <select data-testid="pipeline-version" value=${doc.data?.version ?? ''} onChange=${(e: Event) => go(`/pipelines/${encodeURIComponent(name)}`, { version: (e.target as HTMLSelectElement).value })}>
            ${versions.map((v) => html`<option value=${v.version}>${v.version} — ${when(v.createdAt)} — ${v.digest.slice(0, 10)}</option>`)}
          </select>
        </label>
        <a class="button" href=${href('/runs', { submit: name })}>Run this pipeline</a>
      </div>
      ${spec?.description ? html`<p>${spec.description}</p>` : null}
      ${spec ? html`<div class="scroll"><${Dag} nodes=${dagNodes(spec.dag.tasks)} /></div>` : null}
    </${Card}>
    ${spec
      ? html`<${Card} title="Parameters">
          <table><thead><tr><th>name</th><th>type</th><th>default</th><th>description</th></tr></thead>
          <tbody>${Object.entries(spec.parameters).map(([k, p]) => html`<tr><td>${k}</td><td>${p.type}</td><td><code>${p.default === undefined ? '—' : JSON.stringify(p.default)}</code></td><td>${p.description ?? ''}</td></tr>`)}</tbody></table>
        </${Card}>`
      : null}
  </div>`;
}
