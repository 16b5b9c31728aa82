import {
  startNatsServer,
  startTemporalServer,
  type NatsServerHandle,
  type NatsServerOptions,
  type TemporalServerHandle,
  type TemporalServerOptions,
} from '@signflow/stack';
import { tempDir } from './temp-dir.js';

export type TestNats = NatsServerHandle;
export type TestTemporal = TemporalServerHandle;

/** Starts a server in a fresh temp dir; disposing the server also removes the dir (even if start fails). */
async function inTempDir<S extends { [Symbol.asyncDispose](): Promise<void> }>(prefix: string, start: (dataDir: string) => Promise<S>): Promise<S> {
  const dir = await tempDir(prefix);
  try {
    const server = await start(dir.path);
    const dispose = server[Symbol.asyncDispose].bind(server);
    return Object.assign(server, {
      [Symbol.asyncDispose]: async () => {
        await dispose();
        await dir[Symbol.asyncDispose]();
      },
    });
  } catch (err) {
    await dir[Symbol.asyncDispose]();
    throw err;
  }
}

/**
 * A real nats-server with JetStream on a port the OS picks, in a temp dir; `await using` stops
 * it and removes the dir even when the test fails. `restart()` keeps the port and the store.
 */
export function startTestNats(options: Partial<Omit<NatsServerOptions, 'dataDir'>> = {}): Promise<TestNats> {
  return inTempDir('signflow-nats-', (dataDir) => startNatsServer({ port: -1, ...options, dataDir }));
}

/**
 * A real Temporal dev server (SQLite in a temp dir, headless, free ports); `await using`
 * stops it and removes the dir. `restart()` keeps its ports and its state.
 */
export function startTestTemporal(options: Partial<Omit<TemporalServerOptions, 'dataDir'>> = {}): Promise<TestTemporal> {
  return inTempDir('signflow-temporal-', (dataDir) => startTemporalServer({ ...options, dataDir }));
}
