import { SignflowError } from '@signflow/core';

/** The console's built files are missing: the setup step builds them. */
export class ConsoleNotBuiltError extends SignflowError {
  readonly code = 'CONSOLE_NOT_BUILT';
  constructor(readonly distDir: string) {
    super(`the web console is not built (${distDir} has no index.html): run \`npm run setup\` or \`npm run build:console -w web\``);
  }
}

/** An API the console asked for is not wired into this server (no registry, no NATS, ...). */
export class ConsoleFeatureUnavailableError extends SignflowError {
  readonly code = 'FEATURE_UNAVAILABLE';
  readonly status = 501;
  constructor(feature: string, fix: string) {
    super(`${feature} is not available on this server: ${fix}`);
  }
}

/** A console API request named something that does not exist. */
export class ConsoleNotFoundError extends SignflowError {
  readonly code = 'NOT_FOUND';
  readonly status = 404;
}
