/**
 * Base of every signflow error: a stable `code` a program can switch on, a message that names
 * the thing and the fix, and the underlying `cause`.
 */
export abstract class SignflowError extends Error {
  abstract readonly code: string;
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = new.target.name;
  }
}

/** Input from outside (config file, flags, HTTP body, message) failed validation. */
export class ValidationError extends SignflowError {
  readonly code = 'VALIDATION';
  constructor(
    readonly source: string,
    readonly issues: readonly { path: string; message: string }[],
    options?: { cause?: unknown },
  ) {
    super(`${source}: ${issues.map((i) => (i.path ? `${i.path}: ${i.message}` : i.message)).join('; ')}`, options);
  }
}

/** A configuration file could not be read or parsed. */
export class ConfigError extends SignflowError {
  readonly code = 'CONFIG';
}

/** A required external tool (nats-server, temporal, ffmpeg, ...) is missing or broken. */
export class ToolMissingError extends SignflowError {
  readonly code = 'TOOL_MISSING';
  constructor(
    readonly tool: string,
    readonly fix: string,
    options?: { cause?: unknown },
  ) {
    super(`${tool} not found: ${fix}`, options);
  }
}

/** An artifact store could not be opened, or an artifact is missing, damaged or unreadable. */
export class ArtifactStoreError extends SignflowError {
  readonly code = 'ARTIFACT_STORE';
}

/** Why a NATS object store operation failed: callers switch on it to word the error in their own terms. */
export type NatsObjectFailure = 'bad-input' | 'connect' | 'open' | 'missing' | 'corrupt' | 'truncated' | 'stalled' | 'read-failed' | 'write-failed';

/** A NATS JetStream object store bucket cannot be reached or opened, or an object in it is missing, damaged or unreadable. */
export class NatsObjectStoreError extends SignflowError {
  readonly code = 'NATS_OBJECT_STORE';
  constructor(
    readonly reason: NatsObjectFailure,
    readonly bucket: string,
    /** The object the failure is about; undefined when it is about the bucket or the connection. */
    readonly key: string | undefined,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }

  /** `nats://<bucket>/<key>`, or `nats://<bucket>` for a failure of the bucket itself. */
  get uri(): string {
    return this.key === undefined ? `nats://${this.bucket}` : `nats://${this.bucket}/${this.key}`;
  }
}

/** Describes any thrown value in one line, for logs and CLI output. */
export function describeError(err: unknown): string {
  if (err instanceof Error) {
    if (err.cause === undefined || err instanceof ValidationError) return err.message;
    const cause = describeError(err.cause);
    return err.message.includes(cause) ? err.message : `${err.message} (cause: ${cause})`;
  }
  return String(err);
}
