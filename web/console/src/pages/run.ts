import { html } from 'htm/preact';
import { useEffect, useState } from 'preact/hooks';
import { get, post, subscribe } from '../api.js';
import { ConfusionMatrix, LineChart } from '../components/chart.js';
import { Dag, dagNodes, taskStatus } from '../components/dag.js';
import { Card, ErrorBox, Json, Status, duration, useAsync, when } from '../components/ui.js';
import { loadRunMetrics } from '../metrics.js';
import { href } from '../router.js';
import type { EpochMetrics, PipelineSpec, RunDetail, Step, StepValues } from '../types.js';

/** The run's state, pushed by the server (SSE) until it ends; polled if the stream breaks. */
function useLiveRun(runId: string): { run: RunDetail | undefined; epochs: EpochMetrics[]; error: unknown } {
  const [run, setRun] = useState<RunDetail | undefined>(undefined);
  const [epochs, setEpochs] = useState<EpochMetrics[]>([]);
  const [error, setError] = useState<unknown>(undefined);
  useEffect(() => {
    let timer: ReturnType<typeof setInterval> | undefined;
    const stop = subscribe(
      `/v1/runs/${encodeURIComponent(runId)}/stream`,
      (event, data) => {
        if (event === 'run') setRun(data as RunDetail);
        // training epochs as they happen (before the step stores its metrics artifact)
        if (event === 'epoch') setEpochs((list) => [...list.filter((e) => e.epoch !== (data as EpochMetrics).epoch), data as EpochMetrics].sort((a, b) => a.epoch - b.epoch));
      },
      (err) => {
        setError(err);
        timer = setInterval(() => void get<RunDetail>(`/v1/runs/${encodeURIComponent(runId)}`).then(setRun, setError), 2000);
      },
    );
    return () => {
      stop();
      if (timer) clearInterval(timer);
    };
  }, [runId]);
  return { run, epochs, error };
}

function Values({ values }: { values: StepValues }) {
  const entries = Object.entries(values);
  if (entries.length === 0) return html`<span class="muted">none</span>`;
  return html`<table class="kv">${entries.map(
    ([k, v]) => html`<tr><th>${k}</th><td>${v.kind === 'parameter' ? html`<code>${JSON.stringify(v.value)}</code>` : html`<span class="muted">${v.ref.kind}</span> <code title=${v.ref.uri}>${v.ref.sha256.slice(0, 12)}</code> ${(v.ref.sizeBytes / 1024).toFixed(1)} KiB`}</td></tr>`,
  )}</table>`;
}

function Logs({ runId, step }: { runId: string; step: Step }) {
  const [text, setText] = useState('');
  const [error, setError] = useState<unknown>(undefined);
  useEffect(() => {
    let offset = 0;
    let live = true;
    setText('');
    const pull = async () => {
      try {
        const res = await get<{ text: string; size: number }>(`/v1/runs/${encodeURIComponent(runId)}/steps/${encodeURIComponent(step.stepPath)}/logs?offset=${offset}`);
        if (!live) return;
        offset = res.size;
        if (res.text) setText((t) => t + res.text);
      } catch (err) {
        if (live) setError(err);
      }
    };
    void pull();
    const timer = step.status === 'running' ? setInterval(() => void pull(), 1000) : undefined;
    return () => {
      live = false;
      if (timer) clearInterval(timer);
    };
  }, [runId, step.stepPath, step.status]);
  return html`<div><${ErrorBox} error=${error} /><pre class="logs" data-testid="step-logs">${text || '(no output yet)'}</pre></div>`;
}

export function RunPage({ runId }: { runId: string }) {
  const { run, epochs: liveEpochs, error } = useLiveRun(runId);
  const [selected, setSelected] = useState<string | undefined>(undefined);
  const [actionError, setActionError] = useState<unknown>(undefined);
  const spec = useAsync(
    async () => (run ? (await get<{ spec: PipelineSpec }>(`/v1/pipelines/${encodeURIComponent(run.pipeline)}${run.pipelineVersion ? `?version=${encodeURIComponent(run.pipelineVersion)}` : ''}`)).spec : undefined),
    [run?.pipeline, run?.pipelineVersion],
  );
  const finished = run ? ['succeeded', 'failed', 'cancelled'].includes(run.status) : false;
  const metrics = useAsync(async () => (run ? loadRunMetrics(run) : undefined), [run?.runId, run?.status, run?.steps.filter((s) => s.status !== 'running').length]);
  if (!run) return html`<div class="page"><h1>Run ${runId}</h1><${ErrorBox} error=${error} /><p class="muted">Loading…</p></div>`;
  const steps = run.steps;
  const stepOf = (task: string) => steps.find((s) => s.stepPath === task) ?? steps.find((s) => s.stepPath.startsWith(`${task}.`) || s.stepPath.startsWith(`${task}[`));
  const current = selected ? (steps.find((s) => s.stepPath === selected) ?? stepOf(selected)) : undefined;
  const cancel = async () => {
    if (!confirm(`Cancel run ${run.runId}?`)) return;
    try {
      await post(`/v1/runs/${encodeURIComponent(run.runId)}/cancel`);
    } catch (err) {
      setActionError(err);
    }
  };
  const loaded = metrics.data;
  const live = { epochs: liveEpochs, confusion: undefined, plots: [], scalars: {} };
  const m = liveEpochs.length > 0 && (!loaded || loaded.epochs.length === 0) ? { ...(loaded ?? live), epochs: liveEpochs } : loaded;
  return html`<div class="page">
    <h1>Run <span data-testid="run-id">${run.runId}</span> <${Status} status=${run.status} /></h1>
    <div class="row muted">
      <span>pipeline <a href=${href(`/pipelines/${encodeURIComponent(run.pipeline)}`)}>${run.pipeline}</a> ${run.pipelineVersion ?? ''}</span>
      <span>created ${when(run.createdAt)}</span><span>took ${duration(run.startedAt, run.finishedAt)}</span>
      ${run.retryOf ? html`<span>retry of <a href=${href(`/runs/${run.retryOf}`)}>${run.retryOf}</a></span>` : null}
      ${finished ? null : html`<button class="danger" onClick=${cancel}>Cancel run</button>`}
    </div>
    <${ErrorBox} error=${actionError ?? error} />
    ${run.error ? html`<div class="error">${run.error}</div>` : null}
    <${Card} title="Graph" id="graph">
      ${spec.data ? html`<div class="scroll"><${Dag} nodes=${dagNodes(spec.data.dag.tasks, (t) => taskStatus(steps, t) ?? 'pending')} selected=${selected} onSelect=${setSelected} /></div>` : html`<${ErrorBox} error=${spec.error} />`}
      ${spec.data?.exitHandler ? html`<h3>Exit handler</h3><div class="scroll"><${Dag} nodes=${dagNodes(spec.data.exitHandler.tasks, (t) => taskStatus(steps, t) ?? 'pending')} selected=${selected} onSelect=${setSelected} /></div>` : null}
    </${Card}>
    <div class="split">
      <${Card} title="Steps">
        <table data-testid="steps-table"><thead><tr><th>step</th><th>status</th><th>attempt</th><th>time</th></tr></thead><tbody>
          ${steps.map((s) => html`<tr class=${current?.stepPath === s.stepPath ? 'active' : ''} data-step=${s.stepPath} onClick=${() => setSelected(s.stepPath)}>
            <td><a href="javascript:void 0">${s.stepPath}</a></td><td><${Status} status=${s.status} /></td><td>${s.attempt}</td><td>${duration(s.startedAt, s.finishedAt)}</td></tr>`)}
        </tbody></table>
      </${Card}>
      <div class="grow">
        ${current
          ? html`<${Card} title=${`Step ${current.stepPath}`} id="step">
              ${current.error ? html`<div class="error">${current.error}</div>` : null}
              <div class="split"><div class="grow"><h3>Inputs</h3><${Values} values=${current.inputs} /></div><div class="grow"><h3>Outputs</h3><${Values} values=${current.outputs} /></div></div>
              <h3>Logs</h3><${Logs} runId=${run.runId} step=${current} />
            </${Card}>`
          : html`<${Card} title="Step"><p class="muted">Select a step in the graph or the table to see its inputs, outputs and logs.</p></${Card}>`}
      </div>
    </div>
    <div class="split">
      <${Card} title="Parameters"><${Json} value=${run.parameters} /></${Card}>
      <${Card} title="Run outputs"><${Values} values=${run.outputs} /></${Card}>
    </div>
    <${Card} title="Metrics" id="metrics">
      <${ErrorBox} error=${metrics.error} />
      ${m && m.epochs.length
        ? html`<div class="row">
            <${LineChart} title="loss" series=${[{ name: 'train', points: m.epochs.map((e) => [e.epoch, e.loss]) }, ...(m.epochs.some((e) => e.valLoss !== undefined) ? [{ name: 'validation', dashed: true, points: m.epochs.filter((e) => e.valLoss !== undefined).map((e) => [e.epoch, e.valLoss ?? 0]) }] : [])]} />
            <${LineChart} title="accuracy" series=${[{ name: 'train', points: m.epochs.map((e) => [e.epoch, e.accuracy]) }, ...(m.epochs.some((e) => e.valAccuracy !== undefined) ? [{ name: 'validation', dashed: true, points: m.epochs.filter((e) => e.valAccuracy !== undefined).map((e) => [e.epoch, e.valAccuracy ?? 0]) }] : [])]} />
          </div>`
        : html`<p class="muted">No per-epoch metrics in this run${finished ? '' : ' yet'}.</p>`}
      ${m?.confusion ? html`<h3>Confusion matrix</h3><${ConfusionMatrix} labels=${m.confusion.labels} matrix=${m.confusion.matrix} />` : null}
      ${m?.plots.filter((p) => p.url).map((p) => html`<figure class="plot"><img src=${p.url} alt=${`${p.step} ${p.output}`} /><figcaption>${p.step} · ${p.output}</figcaption></figure>`)}
      ${m && Object.keys(m.scalars).length ? html`<h3>Numbers</h3><table class="kv">${Object.entries(m.scalars).map(([k, v]) => html`<tr><th>${k}</th><td>${v}</td></tr>`)}</table>` : null}
    </${Card}>
  </div>`;
}
