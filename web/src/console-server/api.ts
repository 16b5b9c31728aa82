import { createReadStream, statSync } from 'node:fs';
import type { FastifyInstance, FastifyReply } from 'fastify';
import { registerModelRoutes, SignflowError, ValidationError } from '@signflow/core';
import { ConsoleFeatureUnavailableError, ConsoleNotFoundError } from './errors.js';
import type { ArtifactReader, CamerasSource, ConsoleRun, ModelsSource, RunMetricsSource, RunsSource } from './sources.js';

export interface ConsoleApiDeps {
  runs?: RunsSource;
  artifacts?: ArtifactReader;
  models?: ModelsSource;
  cameras?: CamerasSource;
  /** Per-epoch training metrics as they are published (NATS), sent on the run stream as `epoch` events. */
  liveMetrics?: RunMetricsSource;
  /** Where the live feed page is served (the web package's feed server). */
  liveFeedUrl?: string;
  /** How often the run stream looks for changes; default 500 ms. */
  pollMs?: number;
}

const TERMINAL = new Set(['succeeded', 'failed', 'cancelled']);

function fail(reply: FastifyReply, err: unknown): FastifyReply {
  const status = err instanceof ValidationError ? 400 : err instanceof ConsoleFeatureUnavailableError || err instanceof ConsoleNotFoundError ? err.status : 500;
  const code = err instanceof SignflowError ? err.code : 'INTERNAL';
  return reply.code(status).send({ error: { code, message: err instanceof Error ? err.message : String(err) } });
}

function need<T>(value: T | undefined, feature: string, fix: string): T {
  if (value === undefined) throw new ConsoleFeatureUnavailableError(feature, fix);
  return value;
}

/** Finds a step's (or the run's, for step `-`) artifact output. */
function artifactOf(run: ConsoleRun, step: string, output: string) {
  const values = step === '-' ? run.outputs : run.steps.find((s) => s.stepPath === step)?.outputs;
  if (!values) throw new ConsoleNotFoundError(`run ${run.runId} has no step "${step}"`);
  const value = values[output];
  if (!value || value.kind !== 'artifact') throw new ConsoleNotFoundError(`step "${step}" of run ${run.runId} has no artifact output "${output}"`);
  return value.ref;
}

/**
 * The read/act endpoints the console needs beyond the pipelines API: a run's live state (and
 * its training epochs as they happen) as server-sent events, a run's artifact contents (metrics, plots), the model registry with
 * promote/rollback, datasets and the camera fleet. Role checks come from the API's auth hook
 * (models promote/rollback need admin under the default policy).
 */
export function registerConsoleApi(app: FastifyInstance, deps: ConsoleApiDeps): void {
  const pollMs = deps.pollMs ?? 500;

  // Models and datasets may come from this call or from other packages' API plugins.
  app.get('/v1/console/info', () => ({
    features: {
      runs: !!deps.runs,
      artifacts: !!deps.artifacts,
      models: app.hasRoute({ method: 'GET', url: '/v1/models' }),
      datasets: app.hasRoute({ method: 'GET', url: '/v1/datasets' }),
      cameras: !!deps.cameras,
      liveFeed: !!deps.liveFeedUrl,
    },
    liveFeedUrl: deps.liveFeedUrl ?? null,
  }));

  app.get<{ Params: { id: string } }>('/v1/runs/:id/stream', async (req, reply) => {
    const runs = deps.runs;
    if (!runs) return fail(reply, new ConsoleFeatureUnavailableError('the run stream', 'start the API with a run service'));
    let first: ConsoleRun;
    try {
      first = await runs.getRun(req.params.id);
    } catch (err) {
      return fail(reply, err);
    }
    reply.hijack();
    const res = reply.raw;
    res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache', connection: 'keep-alive' });
    let last = '';
    let closed = false;
    req.raw.on('close', () => {
      closed = true;
    });
    const send = (run: ConsoleRun): boolean => {
      const text = JSON.stringify(run);
      if (text !== last) {
        last = text;
        res.write(`event: run\ndata: ${text}\n\n`);
      }
      return TERMINAL.has(run.status);
    };
    let done = send(first);
    const unsubscribe = done
      ? undefined
      : deps.liveMetrics?.subscribe(req.params.id, (message) => {
          if (!closed) res.write(`event: epoch\ndata: ${JSON.stringify(message)}\n\n`);
        });
    while (!done && !closed) {
      await new Promise((r) => setTimeout(r, pollMs));
      try {
        done = send(await runs.getRun(req.params.id));
      } catch (err) {
        res.write(`event: error\ndata: ${JSON.stringify({ message: err instanceof Error ? err.message : String(err) })}\n\n`);
        done = true;
      }
    }
    unsubscribe?.();
    if (!closed) res.end('event: end\ndata: {}\n\n');
  });

  app.get<{ Params: { id: string; step: string; output: string } }>('/v1/runs/:id/steps/:step/artifacts/:output', async (req, reply) => {
    try {
      const runs = need(deps.runs, 'run artifacts', 'start the API with a run service');
      const store = need(deps.artifacts, 'run artifacts', 'start the API with an artifact store');
      const ref = artifactOf(await runs.getRun(req.params.id), req.params.step, req.params.output);
      const path = await store.localPath(ref);
      if (!statSync(path).isFile()) throw new ConsoleNotFoundError(`artifact ${req.params.output} is a directory; download it with the CLI`);
      const type = ref.kind === 'plot' ? 'image/png' : ref.kind === 'metrics' ? 'application/json' : 'application/octet-stream';
      return reply.header('content-type', type).header('cache-control', 'private, max-age=3600').send(createReadStream(path));
    } catch (err) {
      return fail(reply, err);
    }
  });

  if (deps.models) registerModelRoutes(app, deps.models);

  app.get('/v1/cameras', async (_req, reply) => {
    try {
      return { cameras: await need(deps.cameras, 'the camera fleet', 'start the API with a NATS connection').list() };
    } catch (err) {
      return fail(reply, err);
    }
  });
}
