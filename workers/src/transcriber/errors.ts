import { SignflowError } from '@signflow/core';

/** A model could not be loaded or does not fit the transcriber (layout, labels, input shape). */
export class ModelLoadError extends SignflowError {
  readonly code = 'MODEL_LOAD';
  constructor(
    readonly model: string,
    detail: string,
    options?: { cause?: unknown },
  ) {
    super(`model ${model}: ${detail}`, options);
  }
}

/** The transcriber could not set up or use its NATS streams and consumers. */
export class TranscriberError extends SignflowError {
  readonly code = 'TRANSCRIBER';
  constructor(
    readonly rig: string,
    detail: string,
    options?: { cause?: unknown },
  ) {
    super(`transcriber for rig ${rig}: ${detail}`, options);
  }
}

/** A landmark replay source (fixture sequences) is missing or malformed. */
export class ReplaySourceError extends SignflowError {
  readonly code = 'REPLAY_SOURCE';
  constructor(
    readonly path: string,
    detail: string,
    options?: { cause?: unknown },
  ) {
    super(`${path}: ${detail}`, options);
  }
}
