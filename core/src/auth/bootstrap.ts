import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import type { SignflowConfig } from '../config/schema.js';
import { TokenStoreError } from './errors.js';
import { TokenStore } from './token-store.js';

/**
 * The local admin credential, like a kubeconfig: the plaintext of the admin token `signflow up`
 * bootstrapped, in a 0600 file only the stack's user can read. The local CLI sends it
 * automatically; other machines and people get their own tokens (`signflow token create`).
 */
export function localTokenFile(dataDir: string): string {
  return join(dataDir, 'auth', 'admin.token');
}

/** Name of the token `signflow up` creates on first start. */
export const BOOTSTRAP_TOKEN_NAME = 'admin';

export type BootstrapResult = { created: true; token: string; file: string } | { created: false; file: string };

/**
 * On a data dir without any API token: creates an admin token (stored hashed like every other)
 * and writes its plaintext, once, to `localTokenFile(dataDir)` with mode 0600. Returns the
 * plaintext only when it was created, so the caller can print it that one time.
 */
export async function bootstrapAdminToken(dataDir: string): Promise<BootstrapResult> {
  const file = localTokenFile(dataDir);
  const store = new TokenStore(dataDir);
  if (store.list().length > 0) return { created: false, file };
  const { token } = await store.create({ name: BOOTSTRAP_TOKEN_NAME, role: 'admin' });
  mkdirSync(dirname(file), { recursive: true, mode: 0o700 });
  writeFileSync(file, `${token}\n`, { mode: 0o600 });
  chmodSync(file, 0o600); // an older file kept its mode through writeFileSync
  return { created: true, token, file };
}

/**
 * The API token a local client sends: `SIGNFLOW_API_TOKEN` when set, else the bootstrapped admin
 * token of the data dir (readable only by the stack's user), else none.
 */
export function localApiToken(config: Pick<SignflowConfig, 'dataDir'>, env: NodeJS.ProcessEnv = process.env): string | undefined {
  const fromEnv = env['SIGNFLOW_API_TOKEN']?.trim();
  if (fromEnv) return fromEnv;
  const file = localTokenFile(config.dataDir);
  if (!existsSync(file)) return undefined;
  try {
    return readFileSync(file, 'utf8').trim() || undefined;
  } catch (err) {
    throw new TokenStoreError(`cannot read the local API token ${file}: run as the user that ran \`signflow up\`, or set SIGNFLOW_API_TOKEN`, { cause: err });
  }
}
