import { z } from 'zod';
import { identifier } from '../spec/schema.js';

/** Request shapes of the HTTP API: parsed with zod where they enter (bad fields are named). */
const runStatus = z.enum(['queued', 'running', 'succeeded', 'failed', 'cancelled']);
const isoTime = z.string().refine((s) => !Number.isNaN(Date.parse(s)), 'expected an ISO 8601 time');

export const submitRunBody = z
  .object({
    spec: z.unknown().optional(),
    pipeline: z.string().min(1).optional(),
    version: z.string().min(1).optional(),
    parameters: z.record(z.string(), z.unknown()).default({}),
    experiment: identifier.optional(),
    runId: z.string().regex(/^[A-Za-z0-9][A-Za-z0-9_-]{0,63}$/, 'letters, digits, "_" and "-", at most 64').optional(),
    options: z.object({ heartbeatTimeoutMs: z.number().int().min(1000).max(3_600_000).optional() }).strict().optional(),
  })
  .strict()
  .refine((b) => (b.spec === undefined) !== (b.pipeline === undefined), { message: 'give exactly one of "spec" and "pipeline"' });

export const listRunsQuery = z
  .object({
    pipeline: z.string().optional(),
    experiment: z.string().optional(),
    status: runStatus.optional(),
    since: isoTime.optional(),
    until: isoTime.optional(),
    limit: z.coerce.number().int().min(1).max(500).optional(),
    pageToken: z.string().optional(),
  })
  .strict();

export const logsQuery = z
  .object({ attempt: z.coerce.number().int().min(1).optional(), offset: z.coerce.number().int().min(0).optional() })
  .strict();

export const uploadPipelineBody = z.object({ spec: z.unknown(), version: z.string().min(1).max(64).optional() }).strict();

export const experimentBody = z.object({ name: identifier, description: z.string().max(2000).default('') }).strict();

export const scheduleBody = z
  .object({
    scheduleId: z.string().regex(/^[A-Za-z0-9][A-Za-z0-9_-]{0,63}$/, 'letters, digits, "_" and "-"'),
    pipeline: z.string().min(1),
    version: z.string().optional(),
    cron: z.array(z.string().min(1)).min(1).optional(),
    everySeconds: z.number().int().min(1).optional(),
    parameters: z.record(z.string(), z.unknown()).default({}),
    experiment: identifier.optional(),
  })
  .strict()
  .refine((b) => (b.cron === undefined) !== (b.everySeconds === undefined), { message: 'give exactly one of "cron" and "everySeconds"' });

export const lineageQuery = z.object({ ref: z.string().min(1), depth: z.coerce.number().int().min(1).max(20).optional() }).strict();
