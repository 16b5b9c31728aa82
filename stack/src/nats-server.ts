import { mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { connect, type ConnectionOptions } from '@nats-io/transport-node';
import { jetstreamManager } from '@nats-io/jetstream';
import { ManagedProcess, waitFor } from './process.js';
import { requireTool } from './tools.js';
import { StackPartError } from './errors.js';
import { assertPortFree } from './ports.js';

export interface NatsServerOptions {
  /** Folder for the config file, ports file, log and JetStream store. */
  dataDir: string;
  host?: string;
  /** -1 (or 0) lets the server pick a free port; restarts reuse the port it picked. */
  port?: number;
  /** HTTP monitoring port; omitted = no monitoring endpoint, -1 = random. */
  monitorPort?: number;
  jetstream?: { maxMemory?: string; maxStore?: string };
  /** Extra nats-server config appended verbatim (accounts, authorization, ...). */
  extraConfig?: string;
  /** Credentials the readiness probe connects with when `extraConfig` refuses anonymous clients. */
  probeConnectOptions?: Partial<ConnectionOptions>;
  startTimeoutMs?: number;
}

export interface NatsServerHandle {
  readonly url: string;
  readonly port: number;
  readonly monitorUrl: string | undefined;
  readonly pid: number | undefined;
  readonly storeDir: string;
  readonly logFile: string;
  /** Resolves when the process exits (for supervisors). */
  exited(): Promise<unknown>;
  stop(): Promise<void>;
  /** SIGKILL, as a crash. */
  kill(): Promise<void>;
  /** Starts the server again on the same port and store (after stop or kill). */
  restart(): Promise<void>;
  [Symbol.asyncDispose](): Promise<void>;
}

function configText(opts: NatsServerOptions, host: string, port: number, monitorPort: number | undefined, storeDir: string): string {
  const lines = [
    `listen: "${host}:${port}"`,
    monitorPort === undefined ? '' : `http: "${host}:${monitorPort}"`,
    'max_payload: 1MB',
    'jetstream {',
    `  store_dir: "${storeDir}"`,
    `  max_memory_store: ${opts.jetstream?.maxMemory ?? '256MB'}`,
    `  max_file_store: ${opts.jetstream?.maxStore ?? '10GB'}`,
    '}',
    opts.extraConfig ?? '',
  ];
  return lines.filter((l) => l !== '').join('\n') + '\n';
}

interface PortsFile {
  nats?: string[];
  monitoring?: string[];
}

function readPortsFile(dir: string, pid: number): PortsFile | undefined {
  const name = readdirSync(dir).find((f) => f.endsWith(`_${pid}.ports`));
  if (!name) return undefined;
  try {
    return JSON.parse(readFileSync(join(dir, name), 'utf8')) as PortsFile;
  } catch {
    return undefined; // written but not yet complete
  }
}

function portOf(url: string | undefined): number | undefined {
  if (!url) return undefined;
  const port = Number(new URL(url).port);
  return Number.isFinite(port) && port > 0 ? port : undefined;
}

/** True once a client can connect and JetStream answers for its account. */
export async function natsJetStreamReady(url: string, timeoutMs = 2000, connectOptions: Partial<ConnectionOptions> = {}): Promise<boolean> {
  const nc = await connect({ ...connectOptions, servers: url, timeout: timeoutMs, reconnect: false });
  try {
    const jsm = await jetstreamManager(nc, { timeout: timeoutMs });
    await jsm.getAccountInfo();
    return true;
  } finally {
    await nc.close();
  }
}

/** Starts a real nats-server with JetStream and waits until JetStream answers. */
export async function startNatsServer(opts: NatsServerOptions): Promise<NatsServerHandle> {
  const tool = requireTool('nats-server');
  const host = opts.host ?? '127.0.0.1';
  const storeDir = join(opts.dataDir, 'jetstream');
  const portsDir = join(opts.dataDir, 'ports');
  const logFile = join(opts.dataDir, 'nats-server.log');
  const configFile = join(opts.dataDir, 'nats-server.conf');
  mkdirSync(storeDir, { recursive: true });
  mkdirSync(portsDir, { recursive: true });

  let port = opts.port === undefined || opts.port <= 0 ? -1 : opts.port;
  let monitorPort = opts.monitorPort === undefined ? undefined : opts.monitorPort <= 0 ? -1 : opts.monitorPort;
  let proc: ManagedProcess | undefined;
  let url = '';
  let monitorUrl: string | undefined;

  const launch = async (): Promise<void> => {
    if (port > 0) await assertPortFree('nats-server (client port)', host, port);
    if (monitorPort !== undefined && monitorPort > 0) await assertPortFree('nats-server (monitoring port)', host, monitorPort);
    writeFileSync(configFile, configText(opts, host, port, monitorPort, storeDir));
    const p = new ManagedProcess({ command: tool.path, args: ['-c', configFile, '--ports_file_dir', portsDir], logFile });
    proc = p;
    const pid = p.pid;
    if (pid === undefined) {
      await p.exited;
      throw new StackPartError('nats-server', 'could not be started', { cause: p.exitError() });
    }
    const ports = await waitFor('nats-server to listen', async () => readPortsFile(portsDir, pid)?.nats?.length ? readPortsFile(portsDir, pid) : undefined, {
      timeoutMs: opts.startTimeoutMs ?? 15_000,
      abortIf: () => (p.running ? undefined : new StackPartError('nats-server', 'exited during start-up', { cause: p.exitError() })),
    });
    const clientUrl = ports.nats?.[0];
    if (!clientUrl) throw new StackPartError('nats-server', 'ports file has no client URL');
    port = portOf(clientUrl) ?? port;
    url = `nats://${host}:${port}`;
    const monitor = ports.monitoring?.[0];
    if (monitor) {
      monitorPort = portOf(monitor) ?? monitorPort;
      monitorUrl = `http://${host}:${monitorPort}`;
    }
    await waitFor('JetStream to be ready', async () => ((await natsJetStreamReady(url, 2000, opts.probeConnectOptions)) ? true : undefined), {
      timeoutMs: opts.startTimeoutMs ?? 15_000,
      abortIf: () => (p.running ? undefined : new StackPartError('nats-server', 'exited during start-up', { cause: p.exitError() })),
    });
  };

  try {
    await launch();
  } catch (err) {
    await proc?.kill();
    throw err;
  }

  const handle: NatsServerHandle = {
    get url() {
      return url;
    },
    get port() {
      return port;
    },
    get monitorUrl() {
      return monitorUrl;
    },
    get pid() {
      return proc?.pid;
    },
    storeDir,
    logFile,
    exited: async () => proc?.exited,
    stop: async () => proc?.stop(),
    kill: async () => proc?.kill(),
    restart: async () => {
      await proc?.stop();
      await launch();
    },
    [Symbol.asyncDispose]: async () => proc?.stop(),
  };
  return handle;
}
