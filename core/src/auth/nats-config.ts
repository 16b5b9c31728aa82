import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { nkeys, nkeyAuthenticator, type Authenticator } from '@nats-io/transport-node';
import { NatsAuthConfigError } from './errors.js';
import { inboxPrefixFor, permissionsFor, type NatsAuthSpec, type NatsPermissions } from './nats-permissions.js';

export interface GeneratedNatsUser {
  name: string;
  kind: NatsAuthSpec['users'][number]['kind'];
  /** Public nkey: the only thing about the user the server config holds. */
  publicKey: string;
  /** File (mode 0600) with the user's nkey seed, the secret a client connects with. */
  seedFile: string;
  inboxPrefix: string;
  permissions: NatsPermissions;
}

export interface GeneratedNatsAuth {
  /** nats-server config text: an `authorization { users = [...] }` block (for `extraConfig`). */
  config: string;
  users: GeneratedNatsUser[];
}

const quote = (s: string): string => JSON.stringify(s);
const list = (items: readonly string[]): string => `[${items.map(quote).join(', ')}]`;

function renderPermissions(p: NatsPermissions): string {
  const side = (s: { allow?: string[]; deny?: string[] }): string =>
    [s.allow ? `allow: ${list(s.allow)}` : '', s.deny ? `deny: ${list(s.deny)}` : ''].filter(Boolean).join(', ');
  return `{ publish: { ${side(p.publish)} }, subscribe: { ${side(p.subscribe)} } }`;
}

function seedFor(dir: string, name: string): { seed: Uint8Array; publicKey: string; file: string } {
  const file = join(dir, `${name}.nk`);
  if (existsSync(file)) {
    const seed = new TextEncoder().encode(readFileSync(file, 'utf8').trim());
    try {
      return { seed, publicKey: nkeys.fromSeed(seed).getPublicKey(), file };
    } catch (err) {
      throw new NatsAuthConfigError(`${file} does not hold a NATS user nkey seed: delete it to have a new one generated`, { cause: err });
    }
  }
  const pair = nkeys.createUser();
  const seed = pair.getSeed();
  writeFileSync(file, new TextDecoder().decode(seed) + '\n', { mode: 0o600 });
  return { seed, publicKey: pair.getPublicKey(), file };
}

/** Permissions of a client that connects without credentials when `anonymousProbe` is on. */
export const anonymousProbePermissions: NatsPermissions = { publish: { allow: ['$JS.API.INFO'] }, subscribe: { allow: ['_INBOX.>'] } };

export interface GenerateNatsAuthOptions {
  /**
   * Lets clients without credentials connect as `anonymous`, able only to ask JetStream whether it
   * is up ($JS.API.INFO) — what health probes do. Generated users' replies use their own inbox
   * prefixes, so the probe user cannot see them. Default true; false refuses them outright.
   */
  anonymousProbe?: boolean;
}

/**
 * Generates (or reuses, by user name) one nkey per user under `credsDir` and renders the
 * nats-server `authorization` block with each user's permissions. The config holds public keys
 * only; the seeds stay in `credsDir`.
 */
export function generateNatsAuth(spec: NatsAuthSpec, credsDir: string, options: GenerateNatsAuthOptions = {}): GeneratedNatsAuth {
  mkdirSync(credsDir, { recursive: true, mode: 0o700 });
  const users: GeneratedNatsUser[] = spec.users.map((user) => {
    const { publicKey, file } = seedFor(credsDir, user.name);
    return { name: user.name, kind: user.kind, publicKey, seedFile: file, inboxPrefix: inboxPrefixFor(user.name), permissions: permissionsFor(user, spec) };
  });
  const lines = ['authorization {', '  users = ['];
  for (const u of users) lines.push(`    # ${u.kind} ${u.name}`, `    { nkey: ${quote(u.publicKey)}, permissions: ${renderPermissions(u.permissions)} }`);
  if (options.anonymousProbe ?? true) {
    const password = randomBytes(24).toString('base64url'); // never used: no one logs in as anonymous with it
    lines.push('    # clients without credentials: JetStream health probe only', `    { user: "anonymous", password: ${quote(password)}, permissions: ${renderPermissions(anonymousProbePermissions)} }`);
  }
  lines.push('  ]', '}');
  if (options.anonymousProbe ?? true) lines.push('no_auth_user: "anonymous"');
  return { config: lines.join('\n') + '\n', users };
}

/** Connection options for a generated user: `connect({ servers, ...natsUserConnectOptions(u) })`. */
export function natsUserConnectOptions(user: Pick<GeneratedNatsUser, 'seedFile' | 'inboxPrefix'>): { authenticator: Authenticator; inboxPrefix: string } {
  let text: string;
  try {
    text = readFileSync(user.seedFile, 'utf8').trim();
  } catch (err) {
    throw new NatsAuthConfigError(`cannot read NATS credentials ${user.seedFile}: run \`signflow up\` to generate them`, { cause: err });
  }
  return { authenticator: nkeyAuthenticator(new TextEncoder().encode(text)), inboxPrefix: user.inboxPrefix };
}
