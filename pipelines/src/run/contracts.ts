// Types exchanged between the run workflow, its activities and the run API. Type-only for the
// workflow; everything here is small JSON (artifacts travel as references, never bytes).
import type { ArtifactRef } from '@signflow/core';
import type { ComponentSpec, PipelineSpec } from '../spec/schema.js';

export const RUN_WORKFLOW_TYPE = 'pipelineRun';
export const DEFAULT_TASK_QUEUE = 'signflow-pipelines';
/** Error types the step activity throws that Temporal must not retry (the workflow applies the component's retry policy). */
export const STEP_FAILED = 'StepFailed';
export const STEP_INPUT_ERROR = 'StepInputError';
export const RUN_FAILED = 'PipelineRunFailed';

export type StepValue = { kind: 'parameter'; value: unknown } | { kind: 'artifact'; ref: ArtifactRef };
export type StepValues = Record<string, StepValue>;

export type RunStatus = 'queued' | 'running' | 'succeeded' | 'failed' | 'cancelled';
export type StepStatus = 'running' | 'succeeded' | 'failed' | 'cached' | 'reused' | 'skipped' | 'not-run' | 'cancelled';

export interface RunOptions {
  /** How long a step may go without a heartbeat before Temporal retries it elsewhere. */
  heartbeatTimeoutMs?: number;
}

export interface PipelineRunInput {
  spec: PipelineSpec;
  /** Run arguments, already checked and completed with defaults. */
  parameters: Record<string, unknown>;
  experiment?: string;
  /** Version label of an uploaded pipeline, if the run came from one. */
  pipelineVersion?: string;
  /** The run this one retries; `reuse` holds the outputs of its succeeded steps by step path. */
  retryOf?: string;
  reuse?: Record<string, StepValues>;
  options?: RunOptions;
}

export interface PipelineRunResult {
  status: 'succeeded' | 'failed' | 'cancelled';
  outputs: StepValues;
  error?: string;
}

export interface StepInvocation {
  runId: string;
  /** `train`, `per-class[2].augment`, `prep.split`: unique in the run. */
  stepPath: string;
  /** The component's attempt (its retry policy), 1-based; worker-loss retries keep the number. */
  attempt: number;
  component: ComponentSpec;
  /** The step's effective resources when its task overrides the component's (chosen at run time); else the component's apply. */
  resources?: ComponentSpec['resources'];
  inputs: StepValues;
  /** Outputs of this step in the run being retried: used when their artifacts still exist. */
  reuse?: StepValues;
}

export interface StepResult {
  outputs: StepValues;
  /** How the outputs came about. */
  source: 'executed' | 'cached' | 'reused';
  startedAt: string;
  finishedAt: string;
  /** Time the step's own process ran (0 for cached/reused). */
  workMs: number;
}

/** Facts the workflow records in the run index (steps record their own start and end). */
export type RunEvent =
  | {
      type: 'run-started';
      runId: string;
      pipeline: string;
      pipelineVersion?: string;
      experiment?: string;
      retryOf?: string;
      parameters: Record<string, unknown>;
      at: string;
    }
  | { type: 'step-settled'; runId: string; stepPath: string; component?: string; status: 'skipped' | 'not-run' | 'cancelled'; reason: string; at: string }
  | { type: 'step-failed'; runId: string; stepPath: string; component: string; attempt: number; error: string; at: string }
  | { type: 'run-finished'; runId: string; status: 'succeeded' | 'failed' | 'cancelled'; error?: string; outputs: StepValues; at: string };
