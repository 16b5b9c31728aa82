import { SignflowError, traceHeaders } from '@signflow/core';
import type { LineageGraph } from '../runs/lineage.js';
import type { RunRow, StepRow } from '../runs/store.js';

/** An error answer of the API, with the server's code and named field issues. */
export class ApiError extends SignflowError {
  readonly code: string;
  constructor(
    readonly status: number,
    code: string,
    message: string,
    readonly issues: { path: string; message: string }[] = [],
  ) {
    super(`${message}${issues.length && !message.includes(issues[0]?.path ?? '\u0000') ? ` (${issues.map((i) => `${i.path}: ${i.message}`).join('; ')})` : ''}`);
    this.code = code;
  }
}

/** A small fetch client of the pipelines HTTP API (the CLI and tests use it). */
export class PipelinesClient {
  private readonly token: string | undefined;
  /** `token`: the API token to send (default SIGNFLOW_API_TOKEN); the API refuses calls without one. */
  constructor(
    readonly baseUrl: string,
    options: { token?: string | undefined } = {},
  ) {
    this.token = options.token ?? process.env['SIGNFLOW_API_TOKEN'];
  }

  private async call<T>(method: string, path: string, body?: unknown): Promise<T> {
    let res: Response;
    try {
      res = await fetch(`${this.baseUrl}${path}`, {
        method,
        headers: {
          ...(body !== undefined ? { 'content-type': 'application/json' } : {}),
          ...(this.token ? { authorization: `Bearer ${this.token}` } : {}),
          ...traceHeaders(),
        },
        ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
      });
    } catch {
      throw new ApiError(0, 'API_UNREACHABLE', `cannot reach the pipelines API at ${this.baseUrl}: is \`signflow up\` running? (or set SIGNFLOW_API_URL)`);
    }
    if (res.status === 204) return undefined as T;
    const text = await res.text();
    const doc = text ? (JSON.parse(text) as unknown) : undefined;
    if (!res.ok) {
      const e = (doc as { error?: { code?: string; message?: string; issues?: { path: string; message: string }[] } } | undefined)?.error;
      throw new ApiError(res.status, e?.code ?? 'HTTP', e?.message ?? `HTTP ${res.status}`, e?.issues ?? []);
    }
    return doc as T;
  }

  upload(spec: unknown, version?: string) {
    return this.call<{ name: string; version: string; digest: string }>('POST', '/v1/pipelines', { spec, ...(version ? { version } : {}) });
  }
  pipelines() {
    return this.call<{ pipelines: { name: string; version: string; digest: string; createdAt: string }[] }>('GET', '/v1/pipelines');
  }
  submit(req: { spec?: unknown; pipeline?: string; version?: string; parameters?: Record<string, unknown>; experiment?: string }) {
    return this.call<{ runId: string }>('POST', '/v1/runs', req);
  }
  runs(query: Record<string, string | number | undefined>) {
    const qs = new URLSearchParams(Object.entries(query).filter((e): e is [string, string | number] => e[1] !== undefined).map(([k, v]) => [k, String(v)]));
    return this.call<{ runs: RunRow[]; nextPageToken?: string }>('GET', `/v1/runs${qs.size ? `?${qs}` : ''}`);
  }
  run(id: string) {
    return this.call<RunRow & { steps: StepRow[] }>('GET', `/v1/runs/${encodeURIComponent(id)}`);
  }
  logs(id: string, step: string, opts: { attempt?: number; offset?: number } = {}) {
    const qs = new URLSearchParams(Object.entries(opts).map(([k, v]) => [k, String(v)]));
    return this.call<{ text: string; size: number; attempt: number }>('GET', `/v1/runs/${encodeURIComponent(id)}/steps/${encodeURIComponent(step)}/logs${qs.size ? `?${qs}` : ''}`);
  }
  cancel(id: string) {
    return this.call<{ runId: string }>('POST', `/v1/runs/${encodeURIComponent(id)}/cancel`);
  }
  retry(id: string) {
    return this.call<{ runId: string }>('POST', `/v1/runs/${encodeURIComponent(id)}/retry`);
  }
  experiments() {
    return this.call<{ experiments: { name: string; description: string; createdAt: string; runs: number }[] }>('GET', '/v1/experiments');
  }
  createExperiment(name: string, description = '') {
    return this.call<{ name: string }>('POST', '/v1/experiments', { name, description });
  }
  schedules() {
    return this.call<{ schedules: { scheduleId: string; paused: boolean; nextRuns: string[] }[] }>('GET', '/v1/schedules');
  }
  createSchedule(req: { scheduleId: string; pipeline: string; version?: string; cron?: string[]; everySeconds?: number; parameters?: Record<string, unknown>; experiment?: string }) {
    return this.call<{ scheduleId: string }>('POST', '/v1/schedules', req);
  }
  deleteSchedule(id: string) {
    return this.call<undefined>('DELETE', `/v1/schedules/${encodeURIComponent(id)}`);
  }
  lineage(ref: string, depth?: number) {
    return this.call<LineageGraph>('GET', `/v1/lineage?ref=${encodeURIComponent(ref)}${depth ? `&depth=${depth}` : ''}`);
  }
}
