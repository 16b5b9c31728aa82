import { html } from 'htm/preact';
import { useState } from 'preact/hooks';
import { get, post } from '../api.js';
import { Card, ErrorBox, Status, duration, useAsync, when } from '../components/ui.js';
import { go, href } from '../router.js';
import type { Run } from '../types.js';

const STATUSES = ['', 'queued', 'running', 'succeeded', 'failed', 'cancelled'];
const PAGE = 10;

export function RunsPage({ query }: { query: URLSearchParams }) {
  const pipeline = query.get('pipeline') ?? '';
  const status = query.get('status') ?? '';
  const pageToken = query.get('page') ?? '';
  const prev = query.get('prev') ?? '';
  const [picked, setPicked] = useState<string[]>([]);
  const pipelines = useAsync(() => get<{ pipelines: { name: string }[] }>('/v1/pipelines'), []);
  const names = [...new Set((pipelines.data?.pipelines ?? []).map((p) => p.name))];
  const params = new URLSearchParams({ limit: String(PAGE) });
  if (pipeline) params.set('pipeline', pipeline);
  if (status) params.set('status', status);
  if (pageToken) params.set('pageToken', pageToken);
  const runs = useAsync(() => get<{ runs: Run[]; nextPageToken?: string }>(`/v1/runs?${params.toString()}`), [params.toString()]);
  const filter = (k: string, v: string) => go('/runs', { pipeline, status, [k]: v });
  const toggle = (id: string) => setPicked((p) => (p.includes(id) ? p.filter((x) => x !== id) : [...p, id]));
  return html`<div class="page">
    <h1>Runs</h1>
    <${SubmitForm} names=${names} initial=${query.get('submit') ?? ''} />
    <${Card} title="All runs">
      <div class="row">
        <label>Pipeline <select data-testid="filter-pipeline" value=${pipeline} onChange=${(e: Event) => filter('pipeline', (e.target as HTMLSelectElement).value)}>
          <option value="">any</option>${names.map((n) => html`<option value=${n}>${n}</option>`)}
        </select></label>
        <label>Status <select data-testid="filter-status" value=${status} onChange=${(e: Event) => filter('status', (e.target as HTMLSelectElement).value)}>
          ${STATUSES.map((s) => html`<option value=${s}>${s || 'any'}</option>`)}
        </select></label>
        <button data-testid="refresh" onClick=${() => runs.reload()}>Refresh</button>
        <button class="primary" data-testid="compare" disabled=${picked.length < 2} onClick=${() => go('/compare', { runs: picked.join(',') })}>Compare ${picked.length || ''} selected</button>
      </div>
      <${ErrorBox} error=${runs.error} />
      <table data-testid="runs-table">
        <thead><tr><th></th><th>run</th><th>pipeline</th><th>status</th><th>created</th><th>duration</th><th>experiment</th></tr></thead>
        <tbody>
          ${(runs.data?.runs ?? []).map(
            (r) => html`<tr data-run=${r.runId}>
              <td><input type="checkbox" aria-label=${`select ${r.runId}`} checked=${picked.includes(r.runId)} onChange=${() => toggle(r.runId)} /></td>
              <td><a href=${href(`/runs/${encodeURIComponent(r.runId)}`)}>${r.runId}</a></td>
              <td>${r.pipeline}${r.pipelineVersion ? html` <span class="muted">${r.pipelineVersion}</span>` : null}</td>
              <td><${Status} status=${r.status} /></td>
              <td>${when(r.createdAt)}</td>
              <td>${duration(r.startedAt, r.finishedAt)}</td>
              <td>${r.experiment ?? ''}</td>
            </tr>`,
          )}
        </tbody>
      </table>
      ${runs.data && runs.data.runs.length === 0 ? html`<p class="muted">No runs match.</p>` : null}
      <div class="row pager">
        <button disabled=${!pageToken} onClick=${() => go('/runs', { pipeline, status, page: prev.split(',').at(-1) ?? '', prev: prev.split(',').slice(0, -1).join(',') })}>← Newer</button>
        <button data-testid="next-page" disabled=${!runs.data?.nextPageToken} onClick=${() => go('/runs', { pipeline, status, page: runs.data?.nextPageToken ?? '', prev: [...(prev ? prev.split(',') : []), pageToken].join(',') })}>Older →</button>
      </div>
    </${Card}>
  </div>`;
}

function SubmitForm({ names, initial }: { names: string[]; initial: string }) {
  const [pipeline, setPipeline] = useState(initial);
  const [params, setParams] = useState('{}');
  const [experiment, setExperiment] = useState('');
  const [error, setError] = useState<unknown>(undefined);
  const [busy, setBusy] = useState(false);
  const chosen = pipeline || names[0] || '';
  const submit = async (e: Event) => {
    e.preventDefault();
    setError(undefined);
    let parameters: unknown;
    try {
      parameters = JSON.parse(params || '{}');
    } catch (err) {
      setError(new Error(`parameters: not valid JSON (${err instanceof Error ? err.message : String(err)})`));
      return;
    }
    setBusy(true);
    try {
      const res = await post<{ runId: string }>('/v1/runs', { pipeline: chosen, parameters, ...(experiment ? { experiment } : {}) });
      go(`/runs/${encodeURIComponent(res.runId)}`);
    } catch (err) {
      setError(err);
    } finally {
      setBusy(false);
    }
  };
  return html`<${Card} title="Submit a run">
    <form class="row" onSubmit=${submit} data-testid="submit-form">
      <label>Pipeline <select name="pipeline" value=${chosen} onChange=${(e: Event) => setPipeline((e.target as HTMLSelectElement).value)}>
        ${names.map((n) => html`<option value=${n}>${n}</option>`)}
      </select></label>
      <label class="grow">Parameters (JSON) <input name="parameters" value=${params} onInput=${(e: Event) => setParams((e.target as HTMLInputElement).value)} /></label>
      <label>Experiment <input name="experiment" value=${experiment} placeholder="optional" onInput=${(e: Event) => setExperiment((e.target as HTMLInputElement).value)} /></label>
      <button class="primary" type="submit" disabled=${busy || !chosen}>Submit</button>
    </form>
    <${ErrorBox} error=${error} />
  </${Card}>`;
}
