import type { FastifyInstance, FastifyReply } from 'fastify';
import { z } from 'zod';
import { SignflowError, ValidationError } from '../errors.js';
import { parseWith } from '../validation.js';

/** The model registry as the API needs it (the workers ModelRegistry satisfies it). */
export interface ModelsSource {
  names(): Promise<string[]>;
  list(name: string): Promise<
    { version: number; createdAt: string; stage: string; lineage: { datasetVersion: string; runId?: string | undefined; params: Record<string, unknown>; metrics: Record<string, unknown>; backend: string } }[]
  >;
  promote(name: string, version: number, stage: 'staging' | 'production' | 'archived'): Promise<unknown>;
  rollback(name: string): Promise<unknown>;
}

const promoteBody = z.object({ stage: z.enum(['staging', 'production', 'archived']) }).strict();

function statusOf(err: unknown): number {
  if (err instanceof ValidationError) return 400;
  if (err instanceof SignflowError && /not found|no (model|version)|unknown/i.test(err.message)) return 404;
  if (err instanceof SignflowError) return 409;
  return 500;
}

function fail(reply: FastifyReply, err: unknown): FastifyReply {
  const code = err instanceof SignflowError ? err.code : 'INTERNAL';
  return reply.code(statusOf(err)).send({ error: { code, message: err instanceof Error ? err.message : String(err) } });
}

/**
 * `GET /v1/models`, `POST /v1/models/:name/versions/:version/promote {stage}`,
 * `POST /v1/models/:name/rollback`. Promotion and rollback need the admin role under the
 * default API policy.
 */
export function registerModelRoutes(app: FastifyInstance, models: ModelsSource): void {
  app.get('/v1/models', async (_req, reply) => {
    try {
      const names = await models.names();
      return { models: await Promise.all(names.map(async (name) => ({ name, versions: await models.list(name) }))) };
    } catch (err) {
      return fail(reply, err);
    }
  });
  app.post<{ Params: { name: string; version: string } }>('/v1/models/:name/versions/:version/promote', async (req, reply) => {
    try {
      const version = parseWith(z.coerce.number().int().positive(), req.params.version, 'version');
      const { stage } = parseWith(promoteBody, req.body, 'promote body');
      return await models.promote(req.params.name, version, stage);
    } catch (err) {
      return fail(reply, err);
    }
  });
  app.post<{ Params: { name: string } }>('/v1/models/:name/rollback', async (req, reply) => {
    try {
      return await models.rollback(req.params.name);
    } catch (err) {
      return fail(reply, err);
    }
  });
}
