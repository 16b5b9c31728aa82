import { randomUUID } from 'node:crypto';
import { WorkflowNotFoundError, type Client } from '@temporalio/client';
import { tracerFor, withSpan, type ArtifactStore } from '@signflow/core';
import { NotFoundError, RunStateError } from '../errors.js';
import { canonicalJson, sha256Hex } from '../spec/canonical.js';
import type { PipelineSpec } from '../spec/schema.js';
import { checkResourceArguments, resolveRunParameters, validateSpec } from '../spec/validate.js';
import { DEFAULT_TASK_QUEUE, RUN_WORKFLOW_TYPE, type PipelineRunInput, type RunOptions, type RunStatus } from '../run/contracts.js';
import { stepLogKey } from '../run/activities.js';
import { walkLineage, type LineageGraph } from './lineage.js';
import type { ListRunsQuery, RunRow, RunStore, StepRow } from './store.js';

export interface SubmitRequest {
  /** A compiled spec, or the name (and optional version) of an uploaded pipeline. */
  spec?: unknown;
  pipeline?: string;
  version?: string;
  parameters?: Record<string, unknown>;
  experiment?: string;
  runId?: string;
  options?: RunOptions;
}

export interface ScheduleRequest {
  scheduleId: string;
  /** Cron expressions (`0 3 * * *`) or an interval in seconds. */
  cron?: string[];
  everySeconds?: number;
  pipeline: string;
  version?: string;
  parameters?: Record<string, unknown>;
  experiment?: string;
}

const TERMINAL: readonly RunStatus[] = ['succeeded', 'failed', 'cancelled'];

/** Run management over Temporal (execution) and the run index (fast list/get, lineage). */
export class RunService {
  readonly taskQueue: string;

  constructor(
    private readonly deps: { client: Client; runs: RunStore; store: ArtifactStore; taskQueue?: string },
  ) {
    this.taskQueue = deps.taskQueue ?? DEFAULT_TASK_QUEUE;
  }

  private get runs(): RunStore {
    return this.deps.runs;
  }

  /** Validates and stores a pipeline spec under a version (default: the first 12 hex digits of its digest). */
  uploadPipeline(specInput: unknown, version?: string): { name: string; version: string; digest: string } {
    const spec = validateSpec(specInput);
    const digest = sha256Hex(canonicalJson(spec));
    const v = version ?? digest.slice(0, 12);
    this.runs.savePipeline(spec.name, v, digest, spec);
    return { name: spec.name, version: v, digest };
  }

  private specFor(req: { spec?: unknown; pipeline?: string | undefined; version?: string | undefined }): { spec: PipelineSpec; version?: string } {
    if (req.spec !== undefined) return { spec: validateSpec(req.spec) };
    if (!req.pipeline) throw new RunStateError('give either a spec or the name of an uploaded pipeline');
    const stored = this.runs.getPipeline(req.pipeline, req.version);
    if (!stored) throw new NotFoundError('pipeline', `${req.pipeline}${req.version ? `@${req.version}` : ''}`, 'upload it first (`signflow pipeline upload`)');
    return { spec: validateSpec(stored.spec), version: stored.version };
  }

  private runInput(spec: PipelineSpec, req: { parameters?: Record<string, unknown> | undefined; experiment?: string | undefined; options?: RunOptions | undefined }, version?: string): PipelineRunInput {
    const parameters = resolveRunParameters(spec, req.parameters ?? {});
    checkResourceArguments(spec, parameters);
    return {
      spec,
      parameters,
      ...(req.experiment ? { experiment: req.experiment } : {}),
      ...(version ? { pipelineVersion: version } : {}),
      ...(req.options ? { options: req.options } : {}),
    };
  }

  private async start(runId: string, input: PipelineRunInput): Promise<{ runId: string }> {
    const digest = sha256Hex(canonicalJson(input.spec));
    this.runs.saveSpec(digest, input.spec);
    if (input.experiment) this.runs.ensureExperiment(input.experiment);
    this.runs.insertQueuedRun({
      runId,
      pipeline: input.spec.name,
      pipelineVersion: input.pipelineVersion,
      experiment: input.experiment,
      parameters: input.parameters,
      retryOf: input.retryOf,
      specDigest: digest,
    });
    // The run's trace starts here: StartWorkflow → workflow → activities → step process join it.
    const attributes = { 'signflow.run_id': runId, 'signflow.pipeline': input.spec.name };
    await withSpan(tracerFor('signflow-pipelines'), `submit run ${input.spec.name}`, { attributes }, () =>
      this.deps.client.workflow.start(RUN_WORKFLOW_TYPE, { workflowId: runId, taskQueue: this.taskQueue, args: [input] }),
    );
    return { runId };
  }

  /** Checks the spec and arguments (nothing starts on a bad one), then starts the run workflow. */
  async submit(req: SubmitRequest): Promise<{ runId: string }> {
    const { spec, version } = this.specFor(req);
    const input = this.runInput(spec, req, version);
    const runId = req.runId ?? `${spec.name}-${randomUUID().slice(0, 8)}`;
    return this.start(runId, input);
  }

  listRuns(q: ListRunsQuery): ReturnType<RunStore['listRuns']> {
    return this.runs.listRuns(q);
  }

  /** A run with its steps; a run the index still shows as active is checked against Temporal. */
  async getRun(runId: string): Promise<RunRow & { steps: StepRow[] }> {
    const run = this.runs.getRun(runId);
    if (!run) throw new NotFoundError('run', runId, 'list runs with `signflow run ls`');
    if (TERMINAL.includes(run.status)) return run;
    try {
      const desc = await this.deps.client.workflow.getHandle(runId).describe();
      const closed: Record<string, RunStatus> = { TERMINATED: 'cancelled', TIMED_OUT: 'failed', FAILED: 'failed', CANCELLED: 'cancelled', COMPLETED: 'succeeded' };
      const status = closed[desc.status.name];
      // A run that closed without recording its end (terminated, timed out) is fixed up here.
      if (status && (desc.status.name === 'TERMINATED' || desc.status.name === 'TIMED_OUT')) {
        this.runs.setRunStatus(runId, status, `workflow ${desc.status.name.toLowerCase()}`);
        return this.runs.getRun(runId) ?? run;
      }
    } catch (err) {
      if (!(err instanceof WorkflowNotFoundError)) throw err;
    }
    return run;
  }

  /** A step attempt's log (latest attempt by default), from byte `offset` on: live while the step runs. */
  async stepLogs(runId: string, stepPath: string, opts: { attempt?: number; offset?: number } = {}): Promise<{ text: string; size: number; attempt: number }> {
    const step = this.runs.stepLogKey(runId, stepPath);
    if (!step) throw new NotFoundError('step', `${runId}/${stepPath}`, 'see the steps with `signflow run get`');
    const attempt = opts.attempt ?? step.attempt;
    const log = await this.deps.store.readLog(stepLogKey(runId, stepPath, attempt), opts.offset ?? 0);
    return { text: log?.text ?? '', size: log?.size ?? 0, attempt };
  }

  async cancel(runId: string): Promise<void> {
    const run = this.runs.getRun(runId);
    if (!run) throw new NotFoundError('run', runId);
    if (TERMINAL.includes(run.status)) throw new RunStateError(`run ${runId} already ${run.status}; nothing to cancel`);
    await this.deps.client.workflow.getHandle(runId).cancel();
  }

  /** A new run of the same spec and arguments that reuses the outputs of the steps that succeeded. */
  async retry(runId: string): Promise<{ runId: string }> {
    const run = this.runs.getRun(runId);
    if (!run) throw new NotFoundError('run', runId);
    if (run.status !== 'failed' && run.status !== 'cancelled') throw new RunStateError(`run ${runId} is ${run.status}; only failed or cancelled runs can be retried`);
    const specDoc = this.runs.specOfRun(runId);
    if (!specDoc) throw new NotFoundError('spec of run', runId, 'the run index has no spec for it');
    const spec = validateSpec(specDoc);
    const input: PipelineRunInput = {
      spec,
      parameters: run.parameters,
      ...(run.experiment ? { experiment: run.experiment } : {}),
      ...(run.pipelineVersion ? { pipelineVersion: run.pipelineVersion } : {}),
      retryOf: runId,
      reuse: this.runs.succeededOutputs(runId),
    };
    return this.start(`${spec.name}-${randomUUID().slice(0, 8)}`, input);
  }

  /** A recurring run through a Temporal Schedule (each fire starts a run workflow). */
  async createSchedule(req: ScheduleRequest): Promise<{ scheduleId: string }> {
    const { spec, version } = this.specFor(req);
    const input = this.runInput(spec, req, version);
    if (!req.cron?.length && !req.everySeconds) throw new RunStateError(`schedule ${req.scheduleId}: give cron expressions or everySeconds`);
    await this.deps.client.schedule.create({
      scheduleId: req.scheduleId,
      spec: req.cron?.length ? { cronExpressions: req.cron } : { intervals: [{ every: `${req.everySeconds ?? 60}s` }] },
      action: { type: 'startWorkflow', workflowType: RUN_WORKFLOW_TYPE, taskQueue: this.taskQueue, workflowId: `${spec.name}-sched-${req.scheduleId}`, args: [input] },
    });
    if (input.experiment) this.runs.ensureExperiment(input.experiment);
    return { scheduleId: req.scheduleId };
  }

  async listSchedules(): Promise<{ scheduleId: string; paused: boolean; nextRuns: string[] }[]> {
    const out: { scheduleId: string; paused: boolean; nextRuns: string[] }[] = [];
    for await (const s of this.deps.client.schedule.list()) {
      out.push({ scheduleId: s.scheduleId, paused: s.state.paused, nextRuns: (s.info.nextActionTimes ?? []).map((d) => d.toISOString()) });
    }
    return out;
  }

  async deleteSchedule(scheduleId: string): Promise<void> {
    await this.deps.client.schedule.getHandle(scheduleId).delete();
  }

  /** Lineage around an artifact (sha256 prefix or URI), a run, a step or a model node, both ways. */
  lineage(ref: string, depth = 6): LineageGraph {
    return walkLineage(this.runs, ref, depth);
  }
}
