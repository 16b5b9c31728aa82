import { SignflowError } from '../errors.js';
import type { Role } from './roles.js';

/** No usable credentials: HTTP 401. */
export class UnauthenticatedError extends SignflowError {
  readonly code = 'UNAUTHENTICATED';
  readonly status = 401;
}

/** Valid credentials whose role is too low for the action: HTTP 403. */
export class ForbiddenError extends SignflowError {
  readonly code = 'FORBIDDEN';
  readonly status = 403;
  constructor(
    readonly have: Role,
    readonly need: Role,
    action: string,
    options?: { cause?: unknown },
  ) {
    super(`${action} needs the ${need} role; this token has ${have}. Ask an admin for a token with \`signflow token create --role ${need}\``, options);
  }
}

/** The token file is unreadable or corrupt, or a token command got a bad argument. */
export class TokenStoreError extends SignflowError {
  readonly code = 'TOKEN_STORE';
}

/** A NATS user/permission spec is inconsistent (unknown tenant, duplicate user, ...). */
export class NatsAuthConfigError extends SignflowError {
  readonly code = 'NATS_AUTH_CONFIG';
}
