import { createHash, timingSafeEqual } from 'node:crypto';
import type { TokenVerifier } from './authorize.js';
import type { Role } from './roles.js';
import type { Principal } from './token-store.js';

const digest = (s: string): Buffer => createHash('sha256').update(s).digest();

/**
 * One token given to the server from outside (a Kubernetes Secret in the environment), the way
 * the chart hands every API replica the same admin token: compared in constant time by digest.
 */
export function staticTokenVerifier(token: string, principal: { name: string; role: Role }): TokenVerifier {
  const expected = digest(token);
  return {
    verify: async (presented: string): Promise<Principal | undefined> =>
      timingSafeEqual(digest(presented), expected) ? { tokenId: `static:${principal.name}`, name: principal.name, role: principal.role } : undefined,
  };
}

/** Tries each verifier in turn; the first principal wins. */
export function anyVerifier(...verifiers: TokenVerifier[]): TokenVerifier {
  return {
    verify: async (token: string): Promise<Principal | undefined> => {
      for (const v of verifiers) {
        const principal = await v.verify(token);
        if (principal) return principal;
      }
      return undefined;
    },
  };
}

/** Minimum length of `SIGNFLOW_API_ADMIN_TOKEN`: shorter ones are refused as guessable. */
export const MIN_STATIC_TOKEN_LENGTH = 32;
