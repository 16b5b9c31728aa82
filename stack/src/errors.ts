import { SignflowError } from '@signflow/core';

/** A part of the stack (nats-server, Temporal, ...) failed to start, stop or answer. */
export class StackPartError extends SignflowError {
  readonly code = 'STACK_PART';
  constructor(
    readonly part: string,
    detail: string,
    options?: { cause?: unknown },
  ) {
    super(`${part}: ${detail}`, options);
  }
}

/** A port a part of the stack needs is already taken. */
export class PortInUseError extends SignflowError {
  readonly code = 'PORT_IN_USE';
  constructor(
    readonly part: string,
    readonly host: string,
    readonly port: number,
    options?: { cause?: unknown },
  ) {
    super(
      `${part}: port ${port} on ${host} is already in use; stop what holds it (e.g. \`ss -ltnp 'sport = :${port}'\`) or choose another port in signflow.yaml / with the matching SIGNFLOW_*_PORT variable`,
      options,
    );
  }
}

/** A child process exited when it should not have. */
export class ProcessExitError extends SignflowError {
  readonly code = 'PROCESS_EXIT';
  constructor(
    readonly command: string,
    readonly exitCode: number | null,
    readonly signal: NodeJS.Signals | null,
    readonly stderrTail: string,
  ) {
    super(`${command} exited (${signal ? `signal ${signal}` : `code ${String(exitCode)}`})${stderrTail ? `:\n${stderrTail}` : ''}`);
  }
}
