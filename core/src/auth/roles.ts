import { z } from 'zod';

/**
 * API roles, each including the ones before it:
 *   viewer   — read everything, watch the live feed
 *   operator — submit and cancel runs, manage cameras and datasets
 *   admin    — promote and roll back models, manage tokens
 */
export const roles = ['viewer', 'operator', 'admin'] as const;
export const roleSchema = z.enum(roles);
export type Role = z.infer<typeof roleSchema>;

const rank: Record<Role, number> = { viewer: 0, operator: 1, admin: 2 };

/** True when a principal with role `have` may do what needs role `need`. */
export function roleAllows(have: Role, need: Role): boolean {
  return rank[have] >= rank[need];
}

/** The role an API call needs. First matching rule wins; see `defaultApiPolicy`. */
export interface PolicyRule {
  /** An HTTP method, or '*' for any. */
  method: string;
  /** Matched against the path (no query string). */
  path: RegExp;
  role: Role | 'public';
}

/**
 * Default rules for the signflow HTTP API: reads are for viewers, changes for operators, model
 * promotion/rollback and token management for admins. Health, metrics and the console's static
 * files are public (they hold no data); everything else under /v1 (or /api) needs at least viewer.
 */
const API = String.raw`^/(?:api/v\d+|api|v\d+)/`;
const api = (rest: string): RegExp => new RegExp(API + rest);

export const defaultApiPolicy: readonly PolicyRule[] = [
  { method: '*', path: /^\/(healthz|readyz|metrics|openapi\.json)$/, role: 'public' },
  { method: '*', path: api(String.raw`tokens(/|$)`), role: 'admin' },
  { method: 'POST', path: api(String.raw`models/[^/]+(/versions/[^/]+)?/(promote|rollback|stage)$`), role: 'admin' },
  { method: 'PUT', path: api(String.raw`models/[^/]+/stages?(/|$)`), role: 'admin' },
  { method: 'GET', path: api(''), role: 'viewer' },
  { method: 'HEAD', path: api(''), role: 'viewer' },
  { method: '*', path: api(''), role: 'operator' },
  { method: '*', path: /^\/docs(\/|$)/, role: 'public' },
  { method: '*', path: /^\/(console|live)?(\/|$)/, role: 'public' },
];

/** The role `method path` needs under `policy`; unmatched paths need viewer (deny by default). */
export function requiredRole(method: string, path: string, policy: readonly PolicyRule[] = defaultApiPolicy): Role | 'public' {
  const m = method.toUpperCase();
  for (const rule of policy) if ((rule.method === '*' || rule.method === m) && rule.path.test(path)) return rule.role;
  return 'viewer';
}
