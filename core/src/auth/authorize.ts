import type { IncomingHttpHeaders } from 'node:http';
import { ForbiddenError, UnauthenticatedError } from './errors.js';
import { roleAllows, type Role } from './roles.js';
import type { Principal, TokenStore } from './token-store.js';

/** Something that turns a presented token into a principal (a TokenStore, or a test double). */
export interface TokenVerifier {
  verify(token: string): Promise<Principal | undefined>;
}

export type HeaderBag = IncomingHttpHeaders | Headers | Record<string, string | string[] | undefined>;

function header(headers: HeaderBag, name: string): string | undefined {
  if (typeof (headers as Headers).get === 'function') return (headers as Headers).get(name) ?? undefined;
  const value = (headers as Record<string, string | string[] | undefined>)[name];
  return Array.isArray(value) ? value[0] : value;
}

/** The bearer token of an `Authorization` header, if any. */
export function bearerToken(headers: HeaderBag): string | undefined {
  const value = header(headers, 'authorization');
  if (!value) return undefined;
  const match = /^Bearer\s+(\S+)\s*$/i.exec(value);
  return match?.[1];
}

/**
 * Framework-agnostic check: the principal of the request's bearer token, if its role allows
 * `required`. Throws UnauthenticatedError (401) or ForbiddenError (403).
 */
export async function authorize(headers: HeaderBag, required: Role, verifier: TokenVerifier | TokenStore, action = 'this request'): Promise<Principal> {
  const token = bearerToken(headers);
  if (!token) throw new UnauthenticatedError('no API token: send `Authorization: Bearer <token>` (create one with `signflow token create`)');
  const principal = await verifier.verify(token);
  if (!principal) throw new UnauthenticatedError('the API token is unknown, revoked or expired: create a new one with `signflow token create`');
  if (!roleAllows(principal.role, required)) throw new ForbiddenError(principal.role, required, action);
  return principal;
}
