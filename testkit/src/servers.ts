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

/**
 * A real nats-server with JetStream on a port the OS picks, in a temp dir; `await using` stops
 * it and removes the dir even when the test fails. `restart()` keeps the port and the store.
 */
export async function startTestNats(options: Partial<Omit<NatsServerOptions, 'dataDir'>> = {}): Promise<TestNats> {
  const dir = await tempDir('signflow-nats-');
  try {
    const server = await startNatsServer({ port: -1, ...options, dataDir: dir.path });
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
 * A real Temporal dev server (SQLite in a temp dir, headless, free ports); `await using`
 * stops it and removes the dir. `restart()` keeps its ports and its state.
 */
export async function startTestTemporal(options: Partial<Omit<TemporalServerOptions, 'dataDir'>> = {}): Promise<TestTemporal> {
  const dir = await tempDir('signflow-temporal-');
  try {
    const server = await startTemporalServer({ ...options, dataDir: dir.path });
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
