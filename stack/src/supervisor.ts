import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { connect } from '@nats-io/transport-node';
import { createLogger, describeError, ensureNatsAuth, redactUrlCredentials, natsUserConnectOptions, SERVICE_NATS_USER, type Logger, type SignflowConfig } from '@signflow/core';
import { provisionNats } from './nats-provision.js';
import { startNatsServer, type NatsServerHandle } from './nats-server.js';
import { startTemporalServer, type TemporalServerHandle } from './temporal-server.js';
import { assertPortFree } from './ports.js';
import { StackPartError } from './errors.js';
import { clearStackState, isAlive, readStackState, writeStackState, type StackState } from './state.js';

/** What the supervisor hands each extra part (API server, workers) when it starts it. */
export interface StackContext {
  config: SignflowConfig;
  natsUrl: string;
  temporalAddress: string;
  logger: Logger;
}

/** A part added by the CLI (API, workers, ...): started after NATS and Temporal, stopped first. */
export interface StackPart {
  name: string;
  /** Ports to check before anything starts, so a clash is reported up front. */
  ports?: { host: string; port: number; label: string }[];
  start(ctx: StackContext): Promise<RunningPart>;
}

export interface RunningPart {
  endpoint: string;
  pid?: number;
  extra?: Record<string, string>;
  /** Resolves (or rejects) if the part stops by itself. */
  done?: Promise<unknown>;
  stop(): Promise<void>;
}

export interface RunningStack {
  state: StackState;
  nats: NatsServerHandle | undefined;
  temporal: TemporalServerHandle | undefined;
  /** Resolves with an error when a part stops by itself. */
  failed: Promise<Error>;
  stop(): Promise<void>;
}

/** Checks, before anything starts, that every port the embedded stack needs is free. */
async function checkPorts(config: SignflowConfig, parts: readonly StackPart[]): Promise<void> {
  if (!config.nats.url) {
    await assertPortFree('nats (client port)', config.nats.host, config.nats.port);
    if (config.nats.monitorPort) await assertPortFree('nats (monitoring port)', config.nats.host, config.nats.monitorPort);
  }
  if (!config.temporal.address) {
    await assertPortFree('temporal (frontend port)', config.temporal.host, config.temporal.port);
    if (config.temporal.ui) await assertPortFree('temporal (web UI port)', config.temporal.host, config.temporal.uiPort);
  }
  for (const part of parts) for (const p of part.ports ?? []) await assertPortFree(`${part.name} (${p.label})`, p.host, p.port);
}

/**
 * Starts the embedded stack in this process: nats-server and Temporal (unless the config points
 * at existing ones), then the extra parts. Writes `stack.json` in the data dir for status/down.
 */
export async function startStack(config: SignflowConfig, extraParts: readonly StackPart[] = [], logger = createLogger('stack')): Promise<RunningStack> {
  const previous = readStackState(config.dataDir);
  if (previous && previous.supervisorPid !== process.pid && isAlive(previous.supervisorPid)) {
    throw new StackPartError('stack', `already running (pid ${previous.supervisorPid}) with data in ${config.dataDir}; run \`signflow down\` first`);
  }
  mkdirSync(config.dataDir, { recursive: true });
  const state: StackState = { supervisorPid: process.pid, startedAt: new Date().toISOString(), phase: 'starting', parts: {} };
  writeStackState(config.dataDir, state);
  let nats: NatsServerHandle | undefined;
  let temporal: TemporalServerHandle | undefined;
  const running: { name: string; part: RunningPart }[] = [];
  const exits: Promise<Error>[] = [];

  const stopAll = async (): Promise<void> => {
    for (const { part } of running.reverse()) await part.stop().catch((err: unknown) => logger.warn({ err }, 'part did not stop cleanly'));
    await temporal?.stop();
    await nats?.stop();
  };

  try {
    await checkPorts(config, extraParts);
    if (config.nats.url) {
      // stack.json and `signflow status` show it: a password in the URL stays out
      state.parts['nats'] = { endpoint: redactUrlCredentials(config.nats.url), extra: { managed: 'external' } };
    } else {
      // NATS users per role, tenant and camera (<dataDir>/auth/nats-users.yaml, written with
      // defaults on first start); the config holds public keys only, anonymous clients are refused
      const natsAuth = ensureNatsAuth(config);
      if (!natsAuth) logger.warn('NATS AUTHORIZATION IS OFF (auth.mode: off): any client that reaches nats-server may read and publish everything; use this only for throwaway local development');
      const service = natsAuth?.users.find((u) => u.name === SERVICE_NATS_USER);
      const serviceOptions = service ? natsUserConnectOptions(service) : {};
      nats = await startNatsServer({
        dataDir: join(config.dataDir, 'nats'),
        host: config.nats.host,
        port: config.nats.port,
        ...(config.nats.monitorPort ? { monitorPort: config.nats.monitorPort } : {}),
        jetstream: config.nats.jetstream,
        ...(natsAuth ? { extraConfig: natsAuth.config, probeConnectOptions: serviceOptions } : {}),
      });
      const n = nats;
      const extra: Record<string, string> = n.monitorUrl ? { monitor: n.monitorUrl } : {};
      if (natsAuth) extra['users'] = `${natsAuth.users.length} nkey users (credentials in ${join(config.dataDir, 'auth', 'nats')})`;
      state.parts['nats'] = { ...(n.pid ? { pid: n.pid } : {}), endpoint: n.url, extra };
      exits.push(n.exited().then(() => new StackPartError('nats', `nats-server exited; see ${n.logFile}`)));
      // the streams and bucket restricted users (cameras, viewers) use but may not create
      const admin = await connect({ servers: n.url, timeout: 5000, ...serviceOptions });
      try {
        const created = await provisionNats(admin);
        if (created.length) logger.info({ created }, 'NATS streams and buckets created');
      } finally {
        await admin.close();
      }
      logger.info({ url: n.url }, 'nats-server ready');
    }
    if (config.temporal.address) {
      state.parts['temporal'] = { endpoint: config.temporal.address, extra: { managed: 'external', namespace: config.temporal.namespace } };
    } else {
      temporal = await startTemporalServer({
        dataDir: join(config.dataDir, 'temporal'),
        host: config.temporal.host,
        port: config.temporal.port,
        ...(config.temporal.ui ? { uiPort: config.temporal.uiPort } : {}),
        namespace: config.temporal.namespace,
        // Eager activity dispatch: an activity scheduled by a workflow task goes straight back to
        // the worker that completed it, saving a poll round trip per pipeline step (about half
        // of the per-step overhead measured by `npm run bench -w pipelines`).
        dynamicConfig: { 'system.enableActivityEagerExecution': true },
      });
      const t = temporal;
      state.parts['temporal'] = {
        ...(t.pid ? { pid: t.pid } : {}),
        endpoint: t.address,
        extra: { namespace: t.namespace, ...(t.uiUrl ? { ui: t.uiUrl } : {}) },
      };
      exits.push(t.exited().then(() => new StackPartError('temporal', `temporal dev server exited; see ${t.logFile}`)));
      logger.info({ address: t.address }, 'temporal ready');
    }
    const ctx: StackContext = {
      config,
      natsUrl: config.nats.url ?? state.parts['nats']?.endpoint ?? '',
      temporalAddress: state.parts['temporal']?.endpoint ?? '',
      logger,
    };
    for (const part of extraParts) {
      const started = await part.start(ctx);
      running.push({ name: part.name, part: started });
      state.parts[part.name] = { ...(started.pid ? { pid: started.pid } : {}), endpoint: started.endpoint, extra: started.extra ?? {} };
      if (started.done) {
        exits.push(
          started.done.then(
            () => new StackPartError(part.name, 'stopped'),
            (err: unknown) => new StackPartError(part.name, `failed: ${describeError(err)}`, { cause: err }),
          ),
        );
      }
    }
  } catch (err) {
    await stopAll();
    writeStackState(config.dataDir, { ...state, phase: 'failed', error: describeError(err) });
    throw err;
  }

  state.phase = 'running';
  writeStackState(config.dataDir, state);
  let stopping = false;
  return {
    state,
    nats,
    temporal,
    failed: exits.length ? Promise.race(exits).then((err) => (stopping ? new Error('stopping') : err)) : new Promise<Error>(() => undefined),
    stop: async () => {
      stopping = true;
      writeStackState(config.dataDir, { ...state, phase: 'stopping' });
      await stopAll();
      clearStackState(config.dataDir);
    },
  };
}
