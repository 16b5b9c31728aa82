// Side effect: serves the dataset versions on the signflow API (the console's datasets page):
// GET /v1/datasets and GET /v1/datasets/:name/:version, from the store `datasets.store` names.
import { describeError, registerApiPlugin } from '@signflow/core';
import { openConfiguredStore } from '../store/configured.js';
import type { DatasetStore } from '../store/store.js';
import { registerDatasetsApi } from './routes.js';

registerApiPlugin('datasets', (app, ctx) => {
  let opening: Promise<DatasetStore> | undefined;
  // Opened on first use and kept; a NATS store that cannot connect is retried on the next request.
  const store = () =>
    (opening ??= openConfiguredStore(ctx.config).catch((err: unknown) => {
      opening = undefined;
      ctx.logger.warn({ err: describeError(err) }, 'datasets API: the dataset store cannot be opened');
      throw err;
    }));
  app.addHook('onClose', async () => {
    const open = opening;
    opening = undefined;
    if (open) await (await open.catch(() => undefined))?.close();
  });
  registerDatasetsApi(app, store);
});
