import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import Database from 'better-sqlite3';
import type { ArtifactRef } from '@signflow/core';
import type { RunEvent, RunStatus, StepStatus, StepValues } from '../run/contracts.js';
import { MIGRATIONS } from './schema-sql.js';

/**
 * The run index: runs, steps, uploaded pipelines, experiments and lineage in one SQLite file
 * (WAL, so the worker writes while the API reads). Temporal stays the source of truth for
 * execution; this index answers list/get fast (keyset paging on indexed columns) and outlives
 * Temporal's history retention.
 */
export interface RunRow {
  runId: string;
  pipeline: string;
  pipelineVersion: string | null;
  experiment: string | null;
  status: RunStatus;
  createdAt: string;
  startedAt: string | null;
  finishedAt: string | null;
  parameters: Record<string, unknown>;
  outputs: StepValues;
  error: string | null;
  retryOf: string | null;
}

export interface StepRow {
  stepPath: string;
  component: string | null;
  status: StepStatus;
  attempt: number;
  startedAt: string | null;
  finishedAt: string | null;
  inputs: StepValues;
  outputs: StepValues;
  error: string | null;
  workMs: number | null;
}

export interface ListRunsQuery {
  pipeline?: string | undefined;
  experiment?: string | undefined;
  status?: RunStatus | undefined;
  /** ISO times bounding createdAt (since inclusive, until exclusive). */
  since?: string | undefined;
  until?: string | undefined;
  limit?: number | undefined;
  pageToken?: string | undefined;
}

export interface LineageEdge {
  from: string;
  to: string;
  relation: 'ran' | 'produced' | 'consumed' | 'registered-as';
  runId: string | null;
}

interface RunRecord {
  run_id: string;
  pipeline: string;
  pipeline_version: string | null;
  experiment: string | null;
  status: RunStatus;
  created_at: number;
  started_at: number | null;
  finished_at: number | null;
  parameters: string;
  outputs: string;
  error: string | null;
  retry_of: string | null;
}

interface StepRecord {
  step_path: string;
  component: string | null;
  status: StepStatus;
  attempt: number;
  started_at: number | null;
  finished_at: number | null;
  inputs: string;
  outputs: string;
  error: string | null;
  work_ms: number | null;
}

const iso = (ms: number | null): string | null => (ms === null ? null : new Date(ms).toISOString());
const ms = (at: string): number => Date.parse(at);

function toRun(r: RunRecord): RunRow {
  return {
    runId: r.run_id,
    pipeline: r.pipeline,
    pipelineVersion: r.pipeline_version,
    experiment: r.experiment,
    status: r.status,
    createdAt: new Date(r.created_at).toISOString(),
    startedAt: iso(r.started_at),
    finishedAt: iso(r.finished_at),
    parameters: JSON.parse(r.parameters) as Record<string, unknown>,
    outputs: JSON.parse(r.outputs) as StepValues,
    error: r.error,
    retryOf: r.retry_of,
  };
}

function toStep(s: StepRecord): StepRow {
  return {
    stepPath: s.step_path,
    component: s.component,
    status: s.status,
    attempt: s.attempt,
    startedAt: iso(s.started_at),
    finishedAt: iso(s.finished_at),
    inputs: JSON.parse(s.inputs) as StepValues,
    outputs: JSON.parse(s.outputs) as StepValues,
    error: s.error,
    workMs: s.work_ms,
  };
}

/** Node ids of the lineage graph: `run:<id>`, `step:<run>/<path>`, `artifact:<sha256>`, `model:<name>@<version>`. */
export const lineageNode = {
  run: (runId: string) => `run:${runId}`,
  step: (runId: string, stepPath: string) => `step:${runId}/${stepPath}`,
  artifact: (sha256: string) => `artifact:${sha256}`,
  model: (name: string, version: string) => `model:${name}@${version}`,
};

export class RunStore {
  readonly db: Database.Database;

  constructor(readonly file: string) {
    if (file !== ':memory:') mkdirSync(dirname(file), { recursive: true });
    this.db = new Database(file);
    this.db.pragma('journal_mode = WAL');
    this.db.pragma('busy_timeout = 5000');
    this.db.pragma('synchronous = NORMAL');
    const version = this.db.pragma('user_version', { simple: true }) as number;
    for (const [i, sql] of MIGRATIONS.entries()) {
      if (i < version) continue;
      this.db.transaction(() => {
        this.db.exec(sql);
        this.db.pragma(`user_version = ${i + 1}`);
      })();
    }
  }

  close(): void {
    this.db.close();
  }

  /** A run the API accepted; the workflow's first event moves it to running. */
  insertQueuedRun(run: {
    runId: string;
    pipeline: string;
    pipelineVersion?: string | undefined;
    experiment?: string | undefined;
    parameters: Record<string, unknown>;
    retryOf?: string | undefined;
    createdAt?: string;
    specDigest?: string | undefined;
  }): void {
    this.db
      .prepare(
        `INSERT INTO runs (run_id, pipeline, pipeline_version, experiment, status, created_at, parameters, outputs, retry_of, spec_digest)
         VALUES (?, ?, ?, ?, 'queued', ?, ?, '{}', ?, ?) ON CONFLICT(run_id) DO NOTHING`,
      )
      .run(run.runId, run.pipeline, run.pipelineVersion ?? null, run.experiment ?? null, run.createdAt ? ms(run.createdAt) : Date.now(), JSON.stringify(run.parameters), run.retryOf ?? null, run.specDigest ?? null);
  }

  /** Stores a spec once by digest; runs point at it (what a retry re-submits). */
  saveSpec(digest: string, spec: unknown): void {
    this.db.prepare('INSERT INTO specs (digest, spec) VALUES (?, ?) ON CONFLICT(digest) DO NOTHING').run(digest, JSON.stringify(spec));
  }

  specOfRun(runId: string): unknown {
    const row = this.db.prepare('SELECT s.spec FROM runs r JOIN specs s ON s.digest = r.spec_digest WHERE r.run_id = ?').get(runId) as { spec: string } | undefined;
    return row ? (JSON.parse(row.spec) as unknown) : undefined;
  }

  /** Applies a fact recorded by the run workflow. Idempotent: a replayed event changes nothing more. */
  applyEvent(e: RunEvent): void {
    switch (e.type) {
      case 'run-started':
        this.db
          .prepare(
            `INSERT INTO runs (run_id, pipeline, pipeline_version, experiment, status, created_at, started_at, parameters, outputs, retry_of)
             VALUES (@runId, @pipeline, @version, @experiment, 'running', @at, @at, @parameters, '{}', @retryOf)
             ON CONFLICT(run_id) DO UPDATE SET status = CASE WHEN status IN ('queued', 'running') THEN 'running' ELSE status END,
               started_at = COALESCE(started_at, @at)`,
          )
          .run({ runId: e.runId, pipeline: e.pipeline, version: e.pipelineVersion ?? null, experiment: e.experiment ?? null, at: ms(e.at), parameters: JSON.stringify(e.parameters), retryOf: e.retryOf ?? null });
        return;
      case 'run-finished':
        this.db
          .prepare(`UPDATE runs SET status = ?, finished_at = ?, outputs = ?, error = ? WHERE run_id = ?`)
          .run(e.status, ms(e.at), JSON.stringify(e.outputs), e.error ?? null, e.runId);
        return;
      case 'step-settled':
        this.upsertStep(e.runId, e.stepPath, { component: e.component ?? null, status: e.status, error: e.reason, finishedAt: ms(e.at) });
        return;
      case 'step-failed':
        this.upsertStep(e.runId, e.stepPath, { component: e.component, status: 'failed', attempt: e.attempt, error: e.error, finishedAt: ms(e.at) });
        return;
    }
  }

  upsertStep(
    runId: string,
    stepPath: string,
    fields: { component?: string | null; status: StepStatus; attempt?: number; startedAt?: number; finishedAt?: number; inputs?: StepValues; outputs?: StepValues; error?: string | null; workMs?: number; logKey?: string },
  ): void {
    this.db
      .prepare(
        `INSERT INTO steps (run_id, step_path, component, status, attempt, started_at, finished_at, inputs, outputs, error, work_ms, log_key)
         VALUES (@runId, @stepPath, @component, @status, @attempt, @startedAt, @finishedAt, @inputs, @outputs, @error, @workMs, @logKey)
         ON CONFLICT(run_id, step_path) DO UPDATE SET
           component = COALESCE(excluded.component, component), status = excluded.status,
           attempt = COALESCE(@attemptOrNull, attempt), started_at = COALESCE(started_at, excluded.started_at),
           finished_at = excluded.finished_at, inputs = CASE WHEN @inputsGiven THEN excluded.inputs ELSE inputs END,
           outputs = CASE WHEN @outputsGiven THEN excluded.outputs ELSE outputs END, error = excluded.error,
           work_ms = COALESCE(excluded.work_ms, work_ms), log_key = COALESCE(excluded.log_key, log_key)`,
      )
      .run({
        runId,
        stepPath,
        component: fields.component ?? null,
        status: fields.status,
        attempt: fields.attempt ?? 0,
        attemptOrNull: fields.attempt ?? null,
        startedAt: fields.startedAt ?? null,
        finishedAt: fields.finishedAt ?? null,
        inputs: JSON.stringify(fields.inputs ?? {}),
        outputs: JSON.stringify(fields.outputs ?? {}),
        inputsGiven: fields.inputs ? 1 : 0,
        outputsGiven: fields.outputs ? 1 : 0,
        error: fields.error ?? null,
        workMs: fields.workMs ?? null,
        logKey: fields.logKey ?? null,
      });
  }

  getRun(runId: string): (RunRow & { steps: StepRow[] }) | undefined {
    const run = this.db.prepare('SELECT * FROM runs WHERE run_id = ?').get(runId) as RunRecord | undefined;
    if (!run) return undefined;
    const steps = this.db.prepare('SELECT * FROM steps WHERE run_id = ? ORDER BY COALESCE(started_at, finished_at), step_path').all(runId) as StepRecord[];
    return { ...toRun(run), steps: steps.map(toStep) };
  }

  setRunStatus(runId: string, status: RunStatus, error?: string): void {
    this.db.prepare('UPDATE runs SET status = ?, error = COALESCE(?, error), finished_at = COALESCE(finished_at, ?) WHERE run_id = ?').run(status, error ?? null, Date.now(), runId);
  }

  /** Newest first, keyset-paged on (created_at, run_id): constant cost per page at any depth. */
  listRuns(q: ListRunsQuery): { runs: RunRow[]; nextPageToken: string | undefined } {
    const where: string[] = [];
    const args: (string | number)[] = [];
    const filter = (clause: string, value: string | number): void => {
      where.push(clause);
      args.push(value);
    };
    if (q.pipeline) filter('pipeline = ?', q.pipeline);
    if (q.experiment) filter('experiment = ?', q.experiment);
    if (q.status) filter('status = ?', q.status);
    if (q.since) filter('created_at >= ?', ms(q.since));
    if (q.until) filter('created_at < ?', ms(q.until));
    if (q.pageToken) {
      const [at, id] = Buffer.from(q.pageToken, 'base64url').toString('utf8').split('\n');
      where.push('(created_at < ? OR (created_at = ? AND run_id < ?))');
      args.push(Number(at), Number(at), id ?? '');
    }
    const limit = Math.min(Math.max(q.limit ?? 50, 1), 500);
    const sql = `SELECT * FROM runs ${where.length ? `WHERE ${where.join(' AND ')}` : ''} ORDER BY created_at DESC, run_id DESC LIMIT ${limit + 1}`;
    const rows = this.db.prepare(sql).all(...args) as RunRecord[];
    const page = rows.slice(0, limit);
    const last = page[page.length - 1];
    const nextPageToken = rows.length > limit && last ? Buffer.from(`${last.created_at}\n${last.run_id}`).toString('base64url') : undefined;
    return { runs: page.map(toRun), nextPageToken };
  }

  /** Succeeded steps' outputs of a run, by step path (what a retry reuses). */
  succeededOutputs(runId: string): Record<string, StepValues> {
    const rows = this.db
      .prepare(`SELECT step_path, outputs FROM steps WHERE run_id = ? AND status IN ('succeeded', 'cached', 'reused')`)
      .all(runId) as { step_path: string; outputs: string }[];
    return Object.fromEntries(rows.map((r) => [r.step_path, JSON.parse(r.outputs) as StepValues]));
  }

  stepLogKey(runId: string, stepPath: string): { logKey: string | null; attempt: number } | undefined {
    const row = this.db.prepare('SELECT log_key, attempt FROM steps WHERE run_id = ? AND step_path = ?').get(runId, stepPath) as { log_key: string | null; attempt: number } | undefined;
    return row ? { logKey: row.log_key, attempt: row.attempt } : undefined;
  }

  // Pipelines and experiments

  savePipeline(name: string, version: string, digest: string, spec: unknown): void {
    this.db
      .prepare('INSERT INTO pipelines (name, version, digest, spec, created_at) VALUES (?, ?, ?, ?, ?) ON CONFLICT(name, version) DO UPDATE SET digest = excluded.digest, spec = excluded.spec')
      .run(name, version, digest, JSON.stringify(spec), Date.now());
  }

  listPipelines(): { name: string; version: string; digest: string; createdAt: string }[] {
    const rows = this.db.prepare('SELECT name, version, digest, created_at FROM pipelines ORDER BY name, created_at DESC').all() as { name: string; version: string; digest: string; created_at: number }[];
    return rows.map((r) => ({ name: r.name, version: r.version, digest: r.digest, createdAt: new Date(r.created_at).toISOString() }));
  }

  getPipeline(name: string, version?: string): { version: string; spec: unknown } | undefined {
    const row = (
      version
        ? this.db.prepare('SELECT version, spec FROM pipelines WHERE name = ? AND version = ?').get(name, version)
        : this.db.prepare('SELECT version, spec FROM pipelines WHERE name = ? ORDER BY created_at DESC, rowid DESC LIMIT 1').get(name)
    ) as { version: string; spec: string } | undefined;
    return row ? { version: row.version, spec: JSON.parse(row.spec) as unknown } : undefined;
  }

  ensureExperiment(name: string, description = ''): void {
    this.db.prepare('INSERT INTO experiments (name, description, created_at) VALUES (?, ?, ?) ON CONFLICT(name) DO NOTHING').run(name, description, Date.now());
  }

  listExperiments(): { name: string; description: string; createdAt: string; runs: number }[] {
    const rows = this.db
      .prepare('SELECT e.name, e.description, e.created_at, (SELECT COUNT(*) FROM runs r WHERE r.experiment = e.name) AS runs FROM experiments e ORDER BY e.name')
      .all() as { name: string; description: string; created_at: number; runs: number }[];
    return rows.map((r) => ({ name: r.name, description: r.description, createdAt: new Date(r.created_at).toISOString(), runs: r.runs }));
  }

  // Lineage

  recordArtifact(ref: ArtifactRef): void {
    this.db
      .prepare('INSERT INTO artifacts (sha256, uri, kind, size_bytes, metadata, created_at) VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT(sha256) DO NOTHING')
      .run(ref.sha256, ref.uri, ref.kind, ref.sizeBytes, JSON.stringify(ref.metadata), Date.now());
  }

  addEdge(edge: LineageEdge): void {
    this.db.prepare('INSERT OR IGNORE INTO lineage (src, dst, relation, run_id, created_at) VALUES (?, ?, ?, ?, ?)').run(edge.from, edge.to, edge.relation, edge.runId, Date.now());
  }

  edgesFrom(node: string): LineageEdge[] {
    return (this.db.prepare('SELECT src, dst, relation, run_id FROM lineage WHERE src = ?').all(node) as { src: string; dst: string; relation: LineageEdge['relation']; run_id: string | null }[]).map((r) => ({ from: r.src, to: r.dst, relation: r.relation, runId: r.run_id }));
  }

  edgesTo(node: string): LineageEdge[] {
    return (this.db.prepare('SELECT src, dst, relation, run_id FROM lineage WHERE dst = ?').all(node) as { src: string; dst: string; relation: LineageEdge['relation']; run_id: string | null }[]).map((r) => ({ from: r.src, to: r.dst, relation: r.relation, runId: r.run_id }));
  }

  /** Artifacts whose sha256 starts with `prefix` or whose URI equals it. */
  findArtifacts(prefixOrUri: string): ArtifactRef[] {
    const rows = this.db
      .prepare("SELECT sha256, uri, kind, size_bytes, metadata FROM artifacts WHERE uri = ? OR sha256 LIKE ? || '%' LIMIT 10")
      .all(prefixOrUri, prefixOrUri.toLowerCase()) as { sha256: string; uri: string; kind: ArtifactRef['kind']; size_bytes: number; metadata: string }[];
    return rows.map((r) => ({ sha256: r.sha256, uri: r.uri, kind: r.kind, sizeBytes: r.size_bytes, metadata: JSON.parse(r.metadata) as Record<string, unknown> }));
  }
}
