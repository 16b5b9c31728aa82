import { describeError, natsClientOptions, redactUrlCredentials, type SignflowConfig } from '@signflow/core';
import { connect, type ConnectionOptions } from '@nats-io/transport-node';
import { jetstreamManager } from '@nats-io/jetstream';
import { Connection } from '@temporalio/client';
import { readStackState, isAlive } from './state.js';

export interface PartHealth {
  part: string;
  healthy: boolean;
  endpoint: string;
  detail: string;
}

async function withTimeout<T>(ms: number, what: string, work: Promise<T>): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what}: no answer within ${ms} ms`)), ms);
  });
  try {
    return await Promise.race([work, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

/** Health of NATS as the given user (the stack's service user for `signflow status`). */
export async function checkNats(url: string, connectOptions: Partial<ConnectionOptions> = {}): Promise<PartHealth> {
  try {
    const info = await withTimeout(5000, 'nats', (async () => {
      const nc = await connect({ ...connectOptions, servers: url, timeout: 2000, reconnect: false });
      try {
        const jsm = await jetstreamManager(nc, { timeout: 2000 });
        const account = await jsm.getAccountInfo();
        return { version: nc.info?.version ?? '?', streams: account.streams };
      } finally {
        await nc.close();
      }
    })());
    return { part: 'nats', healthy: true, endpoint: redactUrlCredentials(url), detail: `nats-server ${info.version}, JetStream enabled, ${info.streams} streams` };
  } catch (err) {
    return { part: 'nats', healthy: false, endpoint: redactUrlCredentials(url), detail: redactUrlCredentials(describeError(err)) };
  }
}

export async function checkTemporal(address: string, namespace: string): Promise<PartHealth> {
  try {
    const detail = await withTimeout(8000, 'temporal', (async () => {
      const connection = await Connection.connect({ address, connectTimeout: 3000 });
      try {
        const info = await connection.workflowService.getSystemInfo({});
        await connection.workflowService.describeNamespace({ namespace });
        return `Temporal ${info.serverVersion || 'server'}, namespace ${namespace} ready`;
      } finally {
        await connection.close();
      }
    })());
    return { part: 'temporal', healthy: true, endpoint: address, detail };
  } catch (err) {
    return { part: 'temporal', healthy: false, endpoint: address, detail: describeError(err) };
  }
}

export async function checkHttp(part: string, url: string): Promise<PartHealth> {
  try {
    const res = await withTimeout(5000, part, fetch(url));
    return { part, healthy: res.ok, endpoint: url, detail: `HTTP ${res.status}` };
  } catch (err) {
    return { part, healthy: false, endpoint: url, detail: describeError(err) };
  }
}

/** Endpoints to check: those of a running `signflow up` in dataDir, else the configured ones. */
export function stackEndpoints(config: SignflowConfig): { nats: string; temporal: string; api?: string; supervisorPid?: number } {
  const state = readStackState(config.dataDir);
  const running = state && isAlive(state.supervisorPid) ? state : undefined;
  // an external URL from the config first: the state file keeps it without its password
  const nats = config.nats.url ?? running?.parts['nats']?.endpoint ?? `nats://${config.nats.host}:${config.nats.port}`;
  const temporal = running?.parts['temporal']?.endpoint ?? config.temporal.address ?? `${config.temporal.host}:${config.temporal.port}`;
  const api = running?.parts['api']?.endpoint;
  return { nats, temporal, ...(api ? { api } : {}), ...(running ? { supervisorPid: running.supervisorPid } : {}) };
}

/** Health of every part of the stack. */
export async function checkStack(config: SignflowConfig): Promise<PartHealth[]> {
  const endpoints = stackEndpoints(config);
  const { servers: _servers, ...natsAuth } = natsClientOptions(config);
  const checks = [checkNats(endpoints.nats, natsAuth), checkTemporal(endpoints.temporal, config.temporal.namespace)];
  if (endpoints.api) checks.push(checkHttp('api', `${endpoints.api}/healthz`));
  return Promise.all(checks);
}
