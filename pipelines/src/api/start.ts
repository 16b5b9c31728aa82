import { Client, Connection } from '@temporalio/client';
import { configuredArtifactStore, createLogger, prepareApiServer, type Logger, type SignflowConfig } from '@signflow/core';
import { temporalClientInterceptors } from '@signflow/core/temporal-tracing';
import { pipelinesDataPaths } from '../paths.js';
import { RunService } from '../runs/service.js';
import { RunStore } from '../runs/store.js';
import { createApiServer } from './server.js';

export interface RunningApi {
  url: string;
  service: RunService;
  close(): Promise<void>;
}

/** Starts the pipelines API on config.api (port 0 picks a free one) against a Temporal frontend. */
export async function startApiServer(options: { config: SignflowConfig; temporalAddress: string; taskQueue?: string; logger?: Logger }): Promise<RunningApi> {
  const logger = options.logger ?? createLogger('pipelines-api');
  const paths = pipelinesDataPaths(options.config.dataDir);
  const runs = new RunStore(paths.runIndex);
  const connection = await Connection.connect({ address: options.temporalAddress });
  // OpenTelemetry: starting a run continues the active trace into the workflow (off unless OTEL_* set)
  const client = new Client({ connection, namespace: options.config.temporal.namespace, interceptors: { workflow: temporalClientInterceptors() } });
  const store = configuredArtifactStore(options.config);
  const service = new RunService({ client, runs, store, ...(options.taskQueue ? { taskQueue: options.taskQueue } : {}) });
  const app = createApiServer({ service, runs, logger });
  // token auth on every route, /metrics, and the routes other packages registered (the console, ...)
  await prepareApiServer(app, { config: options.config, logger, getRun: (runId) => service.getRun(runId), artifacts: store });
  try {
    await app.listen({ host: options.config.api.host, port: options.config.api.port });
  } catch (err) {
    await connection.close();
    runs.close();
    await store.close?.();
    throw err;
  }
  const address = app.server.address();
  const port = typeof address === 'object' && address ? address.port : options.config.api.port;
  return {
    url: `http://${options.config.api.host}:${port}`,
    service,
    close: async () => {
      await app.close();
      await connection.close();
      runs.close();
      await store.close?.();
    },
  };
}
