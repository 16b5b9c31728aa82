import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse as parseYaml } from 'yaml';
import { NatsAuthConfigError } from './errors.js';
import { generateNatsAuth, natsUserConnectOptions, type GeneratedNatsAuth } from './nats-config.js';
import { inboxPrefixFor, parseNatsAuthSpec, type NatsAuthSpec } from './nats-permissions.js';

/** The user the stack's own services (API, workers, transcriber, ...) connect as. */
export const SERVICE_NATS_USER = 'signflow';

export const natsAuthPaths = (dataDir: string) => ({
  /** Who may connect (tenants, cameras, viewers, operators): written by an admin. */
  spec: join(dataDir, 'auth', 'nats-users.yaml'),
  /** Generated nkey seeds, one `<user>.nk` per user (mode 0600). */
  creds: join(dataDir, 'auth', 'nats'),
});

function readSpec(file: string): NatsAuthSpec {
  let doc: unknown;
  try {
    doc = parseYaml(readFileSync(file, 'utf8'));
  } catch (err) {
    throw new NatsAuthConfigError(`${file}: not readable YAML: fix it or remove it to run NATS without users`, { cause: err });
  }
  const spec = parseNatsAuthSpec(doc ?? {}, file);
  if (spec.users.some((u) => u.name === SERVICE_NATS_USER && u.kind !== 'service')) {
    throw new NatsAuthConfigError(`${file}: the user name "${SERVICE_NATS_USER}" is reserved for the signflow services`);
  }
  return spec.users.some((u) => u.name === SERVICE_NATS_USER) ? spec : { ...spec, users: [{ kind: 'service', name: SERVICE_NATS_USER }, ...spec.users] };
}

/**
 * NATS users for an embedded stack: when `<dataDir>/auth/nats-users.yaml` exists, generates (or
 * reuses) each user's nkey and returns the nats-server config block to pass as `extraConfig`,
 * with a `signflow` service user added for the stack's own services. Undefined when the file is
 * absent (NATS then runs without users, as before).
 */
export function natsAuthForDataDir(dataDir: string): GeneratedNatsAuth | undefined {
  const paths = natsAuthPaths(dataDir);
  if (!existsSync(paths.spec)) return undefined;
  return generateNatsAuth(readSpec(paths.spec), paths.creds);
}

/**
 * Connect options for the signflow services when NATS users are on (spread into `connect()`);
 * empty when they are off. Services call this instead of knowing where the credentials live.
 */
export function natsServiceConnectOptions(dataDir: string): Partial<ReturnType<typeof natsUserConnectOptions>> {
  const seedFile = join(natsAuthPaths(dataDir).creds, `${SERVICE_NATS_USER}.nk`);
  if (!existsSync(natsAuthPaths(dataDir).spec) || !existsSync(seedFile)) return {};
  return natsUserConnectOptions({ seedFile, inboxPrefix: inboxPrefixFor(SERVICE_NATS_USER) });
}
