// Side effect: registers the console (static app + console API) as a plugin of the signflow API.
// Loaded from web's ./stack-parts, so `signflow up` serves the console on the API's port.
import { connect, type NatsConnection } from '@nats-io/transport-node';
import { z } from 'zod';
import { describeError, natsServiceConnectOptions, parseWith, registerApiPlugin, type SignflowConfig } from '@signflow/core';
import { liveFeedPort } from '../live/stack-part.js';
import { camerasFromKv, runMetricsFromNats } from './cameras.js';
import { registerConsoleApi } from './api.js';
import { ConsoleNotBuiltError } from './errors.js';
import { registerConsoleStatic } from './static.js';
import type { ConsoleRun } from './sources.js';

const stepValue = z.union([
  z.object({ kind: z.literal('parameter'), value: z.unknown() }).passthrough(),
  z.object({ kind: z.literal('artifact'), ref: z.object({ uri: z.string(), sha256: z.string(), kind: z.string(), sizeBytes: z.number(), metadata: z.record(z.string(), z.unknown()).default({}) }) }).passthrough(),
]);
const values = z.record(z.string(), stepValue);
const consoleRun = z
  .object({ runId: z.string(), status: z.string(), outputs: values, steps: z.array(z.object({ stepPath: z.string(), status: z.string(), outputs: values }).passthrough()) })
  .passthrough();

function natsUrl(config: SignflowConfig): string {
  return config.nats.url ?? `nats://${config.nats.host}:${config.nats.port}`;
}

registerApiPlugin('console', async (app, ctx) => {
  let nc: NatsConnection | undefined;
  try {
    nc = await connect({ servers: natsUrl(ctx.config), timeout: 2000, ...natsServiceConnectOptions(ctx.config.dataDir) });
    const conn = nc;
    app.addHook('onClose', async () => conn.close());
  } catch (err) {
    ctx.logger.warn({ err: describeError(err) }, 'console: NATS unreachable, the cameras page will say so');
  }
  registerConsoleApi(app, {
    runs: { getRun: async (runId) => parseWith(consoleRun, await ctx.getRun(runId), `run ${runId}`) as ConsoleRun },
    artifacts: ctx.artifacts,
    ...(nc ? { cameras: camerasFromKv(nc), liveMetrics: runMetricsFromNats(nc) } : {}),
    liveFeedUrl: `http://${ctx.config.api.host}:${liveFeedPort(ctx.config)}/live`,
  });
  try {
    registerConsoleStatic(app);
  } catch (err) {
    if (!(err instanceof ConsoleNotBuiltError)) throw err;
    ctx.logger.warn(err.message);
  }
});
