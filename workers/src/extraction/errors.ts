import { SignflowError } from '@signflow/core';

/** The extraction service could not set up its consumer or detector. */
export class ExtractionError extends SignflowError {
  readonly code = 'EXTRACTION';
  constructor(
    readonly rig: string,
    detail: string,
    options?: { cause?: unknown },
  ) {
    super(`extraction for rig ${rig}: ${detail}`, options);
  }
}
