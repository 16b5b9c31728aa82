// The stack the console's browser test runs against, put together as `signflow up` does it: NATS
// with the generated users (anonymous refused) and the live streams provisioned by the service
// user, a Temporal dev server, the pipeline worker, the API with token auth and the registered
// console, the live feed guarded by the same tokens, and the admin token bootstrapped on first start.
import { connect, type NatsConnection } from '@nats-io/transport-node';
import { bootstrapAdminToken, createLogger, ensureNatsAuth, loadConfig, natsServiceConnectOptions, SERVICE_NATS_USER, TokenStore, type SignflowConfig } from '@signflow/core';
import { startApiServer } from '@signflow/pipelines/api';
import { stackParts as workerParts } from '@signflow/workers/stack-parts';
import { provisionNats } from '@signflow/stack';
import { quietTemporalRuntime, startTestNats, startTestTemporal, tempDir } from '@signflow/testkit';
import { startLiveFeed } from '../../src/live/server.js';
// as under `signflow up`: loading web's stack parts registers the console on the API
import '../../src/stack-parts.js';
import '@signflow/datasets/stack-parts';

export interface ConsoleStack extends AsyncDisposable {
  config: SignflowConfig;
  /** The API (and console) base URL. */
  base: string;
  natsUrl: string;
  /** Connected as the stack's service user. */
  service: NatsConnection;
  /** What `signflow up` printed on first start. */
  adminToken: string;
  operatorToken: string;
  viewerToken: string;
}

export async function startConsoleStack(): Promise<ConsoleStack> {
  const cleanups: (() => Promise<unknown>)[] = [];
  const close = async (): Promise<void> => {
    for (const fn of cleanups.reverse()) await fn().catch((err: unknown) => process.stderr.write(`cleanup: ${String(err)}\n`));
  };
  try {
    quietTemporalRuntime();
    const data = await tempDir('signflow-console-');
    cleanups.push(() => data[Symbol.asyncDispose]());
    const draft = loadConfig({ env: {}, overrides: { dataDir: data.path } }).config;
    const natsAuth = ensureNatsAuth(draft);
    if (!natsAuth) throw new Error('NATS users are on by default');
    const nats = await startTestNats({ extraConfig: natsAuth.config, probeConnectOptions: natsServiceConnectOptions(data.path) });
    cleanups.push(() => nats[Symbol.asyncDispose]());
    const temporal = await startTestTemporal();
    cleanups.push(() => temporal[Symbol.asyncDispose]());
    const config = loadConfig({ env: {}, overrides: { dataDir: data.path, api: { port: 0 }, nats: { url: nats.url }, temporal: { namespace: temporal.namespace } } }).config;
    // step processes load their config from the environment: the data dir comes from the worker,
    // the NATS URL from here (their live training metrics go out as the stack's step user)
    process.env['SIGNFLOW_NATS_URL'] = nats.url;

    const service = await connect({ servers: nats.url, ...natsServiceConnectOptions(data.path) });
    cleanups.push(() => service.close());
    await provisionNats(service);
    if (!natsAuth.users.some((u) => u.name === SERVICE_NATS_USER)) throw new Error('no service user');

    const { token: adminToken } = (await bootstrapAdminToken(config.dataDir)) as { token: string };
    const tokens = new TokenStore(config.dataDir);
    const operatorToken = (await tokens.create({ name: 'e2e-operator', role: 'operator' })).token;
    const viewerToken = (await tokens.create({ name: 'e2e-viewer', role: 'viewer' })).token;

    const logger = createLogger('console-e2e');
    const feed = await startLiveFeed({ nc: service, host: '127.0.0.1', port: 0, auth: tokens, logger });
    cleanups.push(() => feed.close());
    process.env['SIGNFLOW_LIVE_PORT'] = new URL(feed.url).port;
    for (const part of workerParts(config)) {
      const running = await part.start({ config, natsUrl: nats.url, temporalAddress: temporal.address, logger });
      cleanups.push(() => running.stop());
    }
    const api = await startApiServer({ config, temporalAddress: temporal.address, logger });
    cleanups.push(() => api.close());
    return { config, base: api.url, natsUrl: nats.url, service, adminToken, operatorToken, viewerToken, [Symbol.asyncDispose]: close };
  } catch (err) {
    await close();
    throw err;
  }
}
