import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { Connection } from '@temporalio/client';
import { ManagedProcess, waitFor } from './process.js';
import { requireTool } from './tools.js';
import { StackPartError } from './errors.js';
import { assertPortFree, freePort } from './ports.js';

export interface TemporalServerOptions {
  /** Folder for the SQLite file (runs survive a restart) and the log. */
  dataDir: string;
  host?: string;
  /** Frontend gRPC port; 0 = pick a free one. */
  port?: number;
  /** Web UI port; omitted or `ui: false` = headless. 0 = pick a free one. */
  uiPort?: number;
  ui?: boolean;
  namespace?: string;
  /** Custom search attributes registered at start (e.g. `{ SignflowPipeline: 'Keyword' }`). */
  searchAttributes?: Record<string, 'Keyword' | 'Text' | 'Int' | 'Double' | 'Bool' | 'Datetime' | 'KeywordList'>;
  /** Server dynamic config (`--dynamic-config-value key=value`, value as JSON), e.g. `{ 'system.enableActivityEagerExecution': true }`. */
  dynamicConfig?: Record<string, string | number | boolean>;
  startTimeoutMs?: number;
}

export interface TemporalServerHandle {
  readonly address: string;
  readonly port: number;
  readonly uiUrl: string | undefined;
  readonly namespace: string;
  readonly pid: number | undefined;
  readonly dbFile: string;
  readonly logFile: string;
  exited(): Promise<unknown>;
  stop(): Promise<void>;
  kill(): Promise<void>;
  /** Starts again on the same ports and SQLite file. */
  restart(): Promise<void>;
  [Symbol.asyncDispose](): Promise<void>;
}

/** True once the frontend answers and the namespace exists. */
export async function temporalReady(address: string, namespace: string, timeoutMs = 3000): Promise<boolean> {
  const connection = await Connection.connect({ address, connectTimeout: timeoutMs });
  try {
    await connection.workflowService.describeNamespace({ namespace });
    return true;
  } finally {
    await connection.close();
  }
}

/** Starts `temporal server start-dev` persisting to SQLite, and waits until it serves the namespace. */
export async function startTemporalServer(opts: TemporalServerOptions): Promise<TemporalServerHandle> {
  const tool = requireTool('temporal');
  const host = opts.host ?? '127.0.0.1';
  const namespace = opts.namespace ?? 'default';
  mkdirSync(opts.dataDir, { recursive: true });
  const dbFile = join(opts.dataDir, 'temporal.sqlite');
  const logFile = join(opts.dataDir, 'temporal.log');
  const withUi = opts.ui ?? opts.uiPort !== undefined;

  // The dev server cannot report a port it picked itself, so free ports are chosen here once
  // and kept across restarts.
  const port = opts.port ? opts.port : await freePort(host);
  const uiPort = withUi ? (opts.uiPort ? opts.uiPort : await freePort(host)) : undefined;
  const metricsPort = await freePort(host);
  const address = `${host}:${port}`;
  let proc: ManagedProcess | undefined;

  const launch = async (): Promise<void> => {
    await assertPortFree('temporal (frontend port)', host, port);
    if (uiPort !== undefined) await assertPortFree('temporal (web UI port)', host, uiPort);
    const args = [
      'server', 'start-dev',
      '--ip', host,
      '--port', String(port),
      '--db-filename', dbFile,
      '--namespace', namespace,
      '--metrics-port', String(metricsPort),
      '--log-level', 'warn',
    ];
    for (const [name, type] of Object.entries(opts.searchAttributes ?? {})) args.push('--search-attribute', `${name}=${type}`);
    for (const [key, value] of Object.entries(opts.dynamicConfig ?? {})) args.push('--dynamic-config-value', `${key}=${JSON.stringify(value)}`);
    if (uiPort === undefined) args.push('--headless');
    else args.push('--ui-port', String(uiPort));
    const p = new ManagedProcess({ command: tool.path, args, logFile });
    proc = p;
    await waitFor('Temporal to serve its namespace', async () => ((await temporalReady(address, namespace)) ? true : undefined), {
      timeoutMs: opts.startTimeoutMs ?? 60_000,
      intervalMs: 200,
      abortIf: () => (p.running ? undefined : new StackPartError('temporal', 'exited during start-up', { cause: p.exitError() })),
    });
  };

  try {
    await launch();
  } catch (err) {
    await proc?.kill();
    throw err;
  }

  return {
    address,
    port,
    uiUrl: uiPort === undefined ? undefined : `http://${host}:${uiPort}`,
    namespace,
    get pid() {
      return proc?.pid;
    },
    dbFile,
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
}
