import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { SignflowError } from '../errors.js';
import { authorize, type TokenVerifier } from './authorize.js';
import { ForbiddenError, UnauthenticatedError } from './errors.js';
import { defaultApiPolicy, requiredRole, type PolicyRule, type Role } from './roles.js';
import type { Principal } from './token-store.js';

declare module 'fastify' {
  interface FastifyRequest {
    /** Set by the signflow auth hook once the token is checked (undefined on public routes). */
    principal?: Principal;
  }
}

function send(reply: FastifyReply, err: unknown): FastifyReply {
  if (err instanceof UnauthenticatedError || err instanceof ForbiddenError) {
    if (err instanceof UnauthenticatedError) void reply.header('www-authenticate', 'Bearer realm="signflow"');
    return reply.code(err.status).send({ error: { code: err.code, message: err.message } });
  }
  const message = err instanceof SignflowError ? err.message : 'authorization failed';
  return reply.code(500).send({ error: { code: 'AUTH_INTERNAL', message } });
}

/** A preHandler for one route: `{ preHandler: requireRole(store, 'operator') }`. */
export function requireRole(verifier: TokenVerifier, role: Role) {
  return async (request: FastifyRequest, reply: FastifyReply): Promise<void> => {
    try {
      request.principal = await authorize(request.headers, role, verifier, `${request.method} ${request.routeOptions.url ?? request.url}`);
    } catch (err) {
      await send(reply, err);
    }
  };
}

export interface ApiAuthOptions {
  verifier: TokenVerifier;
  /** Rules in order; default `defaultApiPolicy`. */
  policy?: readonly PolicyRule[];
  /** Checked per request: true lets every request through (e.g. before the first token exists). */
  open?: () => boolean;
}

/**
 * Checks every request of `app` (all routes, including ones registered later) against the policy
 * in an onRequest hook, so no route can be forgotten. Call before registering routes.
 */
export function registerApiAuth(app: FastifyInstance, options: ApiAuthOptions): void {
  const policy = options.policy ?? defaultApiPolicy;
  app.decorateRequest('principal', undefined);
  app.addHook('onRequest', async (request, reply) => {
    const path = request.url.split('?')[0] ?? '/';
    const role = requiredRole(request.method, path, policy);
    if (role === 'public' || options.open?.()) return;
    try {
      request.principal = await authorize(request.headers, role, options.verifier, `${request.method} ${path}`);
    } catch (err) {
      await send(reply, err);
    }
  });
}

/** pino redaction paths that keep credentials out of fastify's request logs. */
export const authRedactPaths = ['req.headers.authorization', 'req.headers.cookie', 'headers.authorization', 'authorization'];
