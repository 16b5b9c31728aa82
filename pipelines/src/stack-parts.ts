import type { SignflowConfig } from '@signflow/core';
import type { StackPart } from '@signflow/stack';
import { startApiServer } from './api/start.js';

/** What `signflow up` runs for pipelines: the HTTP API (the worker comes from @signflow/workers). */
export function stackParts(config: SignflowConfig): StackPart[] {
  return [
    {
      name: 'api',
      ports: [{ host: config.api.host, port: config.api.port, label: 'HTTP API' }],
      async start(ctx) {
        const api = await startApiServer({ config: ctx.config, temporalAddress: ctx.temporalAddress, logger: ctx.logger.child({ part: 'api' }) });
        ctx.logger.info({ url: api.url }, 'pipelines API ready');
        return { endpoint: api.url, pid: process.pid, extra: { openapi: `${api.url}/openapi.json` }, stop: () => api.close() };
      },
    },
  ];
}
