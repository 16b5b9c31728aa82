import { SignflowError } from '@signflow/core';

/** The live feed server could not start (port taken, NATS unreachable). */
export class LiveFeedError extends SignflowError {
  readonly code = 'LIVE_FEED';
}

/** `signflow captions` was asked for something it cannot follow. */
export class CaptionsCommandError extends SignflowError {
  readonly code = 'CAPTIONS';
}
