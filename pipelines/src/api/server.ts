import Fastify, { type FastifyInstance, type FastifyReply } from 'fastify';
import { parseWith, SignflowError, ValidationError, withHttpTraceContext, type Logger } from '@signflow/core';
import { NotFoundError, RunStateError } from '../errors.js';
import type { RunService } from '../runs/service.js';
import type { RunStore } from '../runs/store.js';
import { openApiDocument } from './openapi.js';
import { experimentBody, lineageQuery, listRunsQuery, logsQuery, scheduleBody, submitRunBody, uploadPipelineBody } from './schemas.js';

function statusOf(err: unknown): number {
  if (err instanceof ValidationError) return 400;
  if (err instanceof NotFoundError) return 404;
  if (err instanceof RunStateError) return 409;
  return 500;
}

/** Errors leave as `{ error: { code, message, issues? } }` with a matching HTTP status. */
function sendError(reply: FastifyReply, err: unknown, logger: Logger): FastifyReply {
  const status = statusOf(err);
  if (status === 500) logger.error({ err }, 'request failed');
  const issues = err instanceof ValidationError ? err.issues : undefined;
  const code = err instanceof SignflowError ? err.code : 'INTERNAL';
  const message = err instanceof Error ? err.message : String(err);
  return reply.status(status).send({ error: { code, message, ...(issues ? { issues } : {}) } });
}

/** The pipelines HTTP API (OpenAPI document at /openapi.json). */
export function createApiServer(deps: { service: RunService; runs: RunStore; logger: Logger }): FastifyInstance {
  const { service, runs, logger } = deps;
  const app = Fastify({ logger: false, bodyLimit: 1024 * 1024 });
  // Handlers throw; this maps signflow errors to statuses and fastify's own (bad JSON, ...) to 4xx.
  app.setErrorHandler((err, _req, reply) => {
    const own = (err as { statusCode?: number }).statusCode;
    if (!(err instanceof SignflowError) && own && own < 500) {
      return reply.status(own).send({ error: { code: 'BAD_REQUEST', message: err instanceof Error ? err.message : String(err) } });
    }
    return sendError(reply, err, logger);
  });
  app.get('/healthz', () => ({ ok: true }));
  app.get('/openapi.json', () => openApiDocument());

  app.post('/v1/pipelines', async (req, reply) => {
    const body = parseWith(uploadPipelineBody, req.body, 'upload body');
    return reply.status(201).send(service.uploadPipeline(body.spec, body.version));
  });
  app.get('/v1/pipelines', () => ({ pipelines: runs.listPipelines() }));
  app.get<{ Params: { name: string }; Querystring: { version?: string } }>('/v1/pipelines/:name', async (req) => {
    const found = runs.getPipeline(req.params.name, req.query.version);
    if (!found) throw new NotFoundError('pipeline', req.params.name);
    return found;
  });

  app.post('/v1/runs', async (req, reply) => {
    const body = parseWith(submitRunBody, req.body, 'run request');
    // A caller's traceparent: the run's trace starts in the caller's (signflow run submit, ...)
    return reply.status(201).send(await withHttpTraceContext(req.headers, () => service.submit(body)));
  });
  app.get('/v1/runs', async (req) => service.listRuns(parseWith(listRunsQuery, req.query, 'query')));
  app.get<{ Params: { id: string } }>('/v1/runs/:id', async (req) => service.getRun(req.params.id));
  app.get<{ Params: { id: string; step: string } }>('/v1/runs/:id/steps/:step/logs', async (req) =>
    service.stepLogs(req.params.id, req.params.step, parseWith(logsQuery, req.query, 'query')),
  );
  app.post<{ Params: { id: string } }>('/v1/runs/:id/cancel', async (req, reply) => {
    await service.cancel(req.params.id);
    return reply.status(202).send({ runId: req.params.id, cancelRequested: true });
  });
  app.post<{ Params: { id: string } }>('/v1/runs/:id/retry', async (req, reply) => reply.status(201).send(await service.retry(req.params.id)));

  app.get('/v1/experiments', () => ({ experiments: runs.listExperiments() }));
  app.post('/v1/experiments', async (req, reply) => {
    const body = parseWith(experimentBody, req.body, 'experiment');
    runs.ensureExperiment(body.name, body.description);
    return reply.status(201).send({ name: body.name });
  });

  app.get('/v1/schedules', async () => ({ schedules: await service.listSchedules() }));
  app.post('/v1/schedules', async (req, reply) => reply.status(201).send(await service.createSchedule(parseWith(scheduleBody, req.body, 'schedule'))));
  app.delete<{ Params: { id: string } }>('/v1/schedules/:id', async (req, reply) => {
    await service.deleteSchedule(req.params.id);
    return reply.status(204).send();
  });

  app.get('/v1/lineage', async (req) => {
    const q = parseWith(lineageQuery, req.query, 'query');
    return service.lineage(q.ref, q.depth);
  });
  return app;
}
