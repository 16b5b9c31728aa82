import { blobUrl, get } from './api.js';
import type { EpochMetrics, RunDetail } from './types.js';

export interface RunMetrics {
  epochs: EpochMetrics[];
  confusion: { labels: string[]; matrix: number[][] } | undefined;
  plots: { step: string; output: string; url: string }[];
  /** Final scalar metrics (last epoch, evaluation numbers, numeric run outputs). */
  scalars: Record<string, number>;
}

const artifactPath = (runId: string, step: string, output: string) =>
  `/v1/runs/${encodeURIComponent(runId)}/steps/${encodeURIComponent(step)}/artifacts/${encodeURIComponent(output)}`;

function isEpochs(v: unknown): v is EpochMetrics[] {
  return Array.isArray(v) && v.length > 0 && v.every((e) => typeof e === 'object' && e !== null && typeof (e as { epoch?: unknown }).epoch === 'number');
}

function confusionOf(v: unknown): RunMetrics['confusion'] {
  const c = (v as { confusion?: { labels?: unknown; matrix?: unknown } } | null)?.confusion;
  return c && Array.isArray(c.labels) && Array.isArray(c.matrix) ? { labels: c.labels as string[], matrix: c.matrix as number[][] } : undefined;
}

/** Collects per-epoch curves, a confusion matrix, plots and final numbers from a run's step outputs. */
export async function loadRunMetrics(run: RunDetail): Promise<RunMetrics> {
  const out: RunMetrics = { epochs: [], confusion: undefined, plots: [], scalars: {} };
  for (const [name, value] of Object.entries(run.outputs)) if (value.kind === 'parameter' && typeof value.value === 'number') out.scalars[name] = value.value;
  for (const step of run.steps) {
    for (const [output, value] of Object.entries(step.outputs)) {
      if (value.kind === 'parameter') {
        if (typeof value.value === 'number') out.scalars[`${step.stepPath}.${output}`] = value.value;
        continue;
      }
      const path = artifactPath(run.runId, step.stepPath, output);
      if (value.ref.kind === 'plot') {
        out.plots.push({ step: step.stepPath, output, url: await blobUrl(path).catch(() => '') });
      } else if (value.ref.kind === 'metrics' && value.ref.sizeBytes < 2_000_000) {
        const doc = await get<unknown>(path).catch(() => undefined);
        if (isEpochs(doc)) out.epochs = doc;
        out.confusion ??= confusionOf(doc);
        if (doc && typeof doc === 'object' && !Array.isArray(doc)) {
          for (const [k, v] of Object.entries(doc)) if (typeof v === 'number') out.scalars[`${step.stepPath}.${k}`] = v;
        }
      }
    }
  }
  const last = out.epochs.at(-1);
  if (last) {
    out.scalars['final.loss'] = last.loss;
    out.scalars['final.accuracy'] = last.accuracy;
    if (last.valAccuracy !== undefined) out.scalars['final.valAccuracy'] = last.valAccuracy;
  }
  return out;
}
