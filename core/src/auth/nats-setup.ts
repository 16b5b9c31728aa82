import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse as parseYaml } from 'yaml';
import type { SignflowConfig } from '../config/schema.js';
import { NatsAuthConfigError } from './errors.js';
import { generateNatsAuth, natsUserConnectOptions, type GeneratedNatsAuth } from './nats-config.js';
import { objectStores } from '../nats/subjects.js';
import { inboxPrefixFor, parseNatsAuthSpec, type NatsAuthSpec } from './nats-permissions.js';

/** The user the stack's own services (API, workers, transcriber, ...) connect as. */
export const SERVICE_NATS_USER = 'signflow';

/** The user pipeline step processes connect as (the local executor passes its seed to steps). */
export const STEP_NATS_USER = 'step';

type StoresConfig = Pick<SignflowConfig, 'artifacts' | 'datasets'>;

/** The buckets a step opens: the configured NATS artifact and dataset stores, else the default bucket names. */
export function stepBucketsOf(config: StoresConfig | undefined): { artifactBuckets: string[]; datasetBuckets: string[] } {
  const artifacts = /^nats:\/\/([^/?#]+)\/?$/.exec(config?.artifacts.store ?? '')?.[1] ?? objectStores.artifacts;
  const datasets = config?.datasets.store.kind === 'nats' ? config.datasets.store.bucket : objectStores.datasets;
  return { artifactBuckets: [artifacts], datasetBuckets: [datasets] };
}

export const natsAuthPaths = (dataDir: string) => ({
  /** Who may connect (tenants, cameras, viewers, operators): written by an admin. */
  spec: join(dataDir, 'auth', 'nats-users.yaml'),
  /** Generated nkey seeds, one `<user>.nk` per user (mode 0600). */
  creds: join(dataDir, 'auth', 'nats'),
});

/** Adds a reserved user unless the spec has it; another kind under its name is an error. */
function withReserved(spec: NatsAuthSpec, file: string, user: NatsAuthSpec['users'][number], holder: string): NatsAuthSpec {
  const existing = spec.users.find((u) => u.name === user.name);
  if (existing && existing.kind !== user.kind) throw new NatsAuthConfigError(`${file}: the user name "${user.name}" is reserved for ${holder}`);
  return existing ? spec : { ...spec, users: [...spec.users, user] };
}

function readSpec(file: string, stores: StoresConfig | undefined): NatsAuthSpec {
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
  const withService = spec.users.some((u) => u.name === SERVICE_NATS_USER) ? spec : { ...spec, users: [{ kind: 'service' as const, name: SERVICE_NATS_USER }, ...spec.users] };
  return withReserved(withService, file, { kind: 'step', name: STEP_NATS_USER, ...stepBucketsOf(stores) }, 'pipeline steps');
}

/**
 * NATS users for an embedded stack: when `<dataDir>/auth/nats-users.yaml` exists, generates (or
 * reuses) each user's nkey and returns the nats-server config block to pass as `extraConfig`,
 * with a `signflow` service user added for the stack's own services and a `step` user for
 * pipeline steps (allowed the buckets of `stores`, the configured artifact and dataset stores).
 * Clients without credentials are refused. Undefined when the file is absent.
 */
export function natsAuthForDataDir(dataDir: string, stores?: StoresConfig): GeneratedNatsAuth | undefined {
  const paths = natsAuthPaths(dataDir);
  if (!existsSync(paths.spec)) return undefined;
  return generateNatsAuth(readSpec(paths.spec, stores), paths.creds, { anonymousProbe: false });
}

/**
 * What `signflow up` writes as `<dataDir>/auth/nats-users.yaml` on first start: one user per
 * role (admin, operator, a viewer of the `local` tenant) and one per camera of the demo rig.
 * Edit it (or use `signflow auth nats-users add-camera`) to add tenants, rigs and cameras.
 */
export const defaultNatsUsersYaml = `# NATS users of this signflow stack: signflow up generates an nkey per user in auth/nats/<user>.nk
# (mode 0600) and starts nats-server with their permissions; the service user "signflow" is added
# for the stack's own services and the user "step" for pipeline steps. Clients without credentials
# are refused.
tenants:
  local: { rigs: [demo] }
users:
  - { kind: admin, name: admin }
  - { kind: operator, name: operator }
  - { kind: viewer, name: viewer, tenant: local }
  - { kind: camera, name: demo-front, tenant: local, rig: demo, cameras: [front] }
`;

/**
 * NATS users on by default: writes the default spec when the data dir has none, then generates
 * (or reuses) the users. Undefined only with \`auth.mode: off\`.
 */
export function ensureNatsAuth(config: Pick<SignflowConfig, 'dataDir' | 'auth'> & Partial<StoresConfig>): GeneratedNatsAuth | undefined {
  if (config.auth.mode === 'off') return undefined;
  const paths = natsAuthPaths(config.dataDir);
  if (!existsSync(paths.spec)) {
    mkdirSync(join(config.dataDir, 'auth'), { recursive: true, mode: 0o700 });
    writeFileSync(paths.spec, defaultNatsUsersYaml, { mode: 0o600 });
  }
  return natsAuthForDataDir(config.dataDir, config.artifacts && config.datasets ? { artifacts: config.artifacts, datasets: config.datasets } : undefined);
}

/**
 * The step user's seed file when `signflow up` generated one in the data dir: what the local
 * executor passes to steps as SIGNFLOW_NATS_CREDENTIALS instead of the services' own user.
 */
export function natsStepCredentialsFile(dataDir: string): string | undefined {
  const seedFile = join(natsAuthPaths(dataDir).creds, `${STEP_NATS_USER}.nk`);
  return existsSync(seedFile) ? seedFile : undefined;
}

/**
 * Connect options for the signflow services when NATS users are on (spread into `connect()`);
 * empty when the data dir has no generated service credentials. Services call this instead of
 * knowing where the credentials live.
 */
export function natsServiceConnectOptions(dataDir: string): Partial<ReturnType<typeof natsUserConnectOptions>> {
  const seedFile = join(natsAuthPaths(dataDir).creds, `${SERVICE_NATS_USER}.nk`);
  if (!existsSync(seedFile)) return {};
  return natsUserConnectOptions({ seedFile, inboxPrefix: inboxPrefixFor(SERVICE_NATS_USER) });
}

/** The URL local clients use: `nats.url`, else the embedded server's host and port. */
export function natsClientUrl(config: Pick<SignflowConfig, 'nats'>): string {
  return config.nats.url ?? `nats://${config.nats.host}:${config.nats.port}`;
}

/**
 * Everything a local service or CLI command needs to connect:
 * `connect({ ...natsClientOptions(config), timeout: 3000 })`. Credentials: `nats.credentials`
 * (`SIGNFLOW_NATS_CREDENTIALS`, an nkey seed file) when set, else the stack's service user that
 * `signflow up` generated in the data dir, else none.
 */
export function natsClientOptions(config: Pick<SignflowConfig, 'nats' | 'dataDir'>): { servers: string } & Partial<ReturnType<typeof natsUserConnectOptions>> {
  const servers = natsClientUrl(config);
  if (config.nats.credentials) {
    const user = /([^/\\]+?)(\.nk|\.creds)?$/.exec(config.nats.credentials)?.[1] ?? SERVICE_NATS_USER;
    return { servers, ...natsUserConnectOptions({ seedFile: config.nats.credentials, inboxPrefix: inboxPrefixFor(user) }) };
  }
  return { servers, ...natsServiceConnectOptions(config.dataDir) };
}
