import { SignflowError, ValidationError } from '@signflow/core';

/** A pipeline spec (compiled or uploaded) is not valid; `issues` name each bad field path. */
export class PipelineSpecError extends ValidationError {
  constructor(
    readonly pipeline: string,
    issues: readonly { path: string; message: string }[],
    options?: { cause?: unknown },
  ) {
    super(`pipeline ${pipeline}`, issues, options);
  }
}

/** The DSL was used wrongly (unknown output, bad wiring) while building a pipeline. */
export class PipelineDefinitionError extends SignflowError {
  readonly code = 'PIPELINE_DEFINITION';
}

/** Run arguments (parameters, experiment, ...) were rejected before the run started. */
export class RunArgumentsError extends ValidationError {
  constructor(
    readonly pipeline: string,
    issues: readonly { path: string; message: string }[],
  ) {
    super(`run of ${pipeline}`, issues);
  }
}

/** A run, pipeline, experiment, step or artifact that was asked for does not exist. */
export class NotFoundError extends SignflowError {
  readonly code = 'NOT_FOUND';
  constructor(
    readonly kind: string,
    readonly id: string,
    hint = '',
  ) {
    super(`${kind} ${id} not found${hint ? `: ${hint}` : ''}`);
  }
}

/** The request conflicts with the current state (cancel a finished run, retry a running one). */
export class RunStateError extends SignflowError {
  readonly code = 'RUN_STATE';
}
