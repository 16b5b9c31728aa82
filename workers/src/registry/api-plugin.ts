// Side effect: serves the model registry on the signflow API (the console's models page):
// GET /v1/models, promote and rollback (admin). Promotions publish model events on NATS so
// running transcribers swap models, as `signflow model promote` does.
import { connect } from '@nats-io/transport-node';
import { describeError, natsServiceConnectOptions, registerApiPlugin, registerModelRoutes } from '@signflow/core';
import { ModelRegistry } from './registry.js';

registerApiPlugin('models', async (app, ctx) => {
  const { nats } = ctx.config;
  const nc = await connect({ servers: nats.url ?? `nats://${nats.host}:${nats.port}`, timeout: 2000, ...natsServiceConnectOptions(ctx.config.dataDir) }).catch((err: unknown) => {
    ctx.logger.warn({ err: describeError(err) }, 'models API: NATS unreachable, promotions will not notify transcribers');
    return undefined;
  });
  if (nc) app.addHook('onClose', async () => nc.close());
  registerModelRoutes(app, new ModelRegistry(ctx.artifacts, nc));
});
