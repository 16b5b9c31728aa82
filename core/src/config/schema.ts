import { z } from 'zod';

const port = z.number().int().min(0).max(65535);
const logLevel = z.enum(['trace', 'debug', 'info', 'warn', 'error', 'fatal', 'silent']);

/** `signflow.yaml`: every key optional; defaults make the embedded local stack. */
export const signflowConfigSchema = z
  .object({
    dataDir: z.string().min(1).default('~/.signflow'),
    logLevel: logLevel.default('info'),
    nats: z
      .object({
        /** Connect to an existing server instead of starting the embedded one. */
        url: z.string().url().optional(),
        host: z.string().min(1).default('127.0.0.1'),
        port: port.default(4222),
        monitorPort: port.default(8222),
        jetstream: z
          .object({
            maxMemory: z.string().regex(/^\d+[KMGT]?B?$/i, 'expected a size such as 256MB').default('256MB'),
            maxStore: z.string().regex(/^\d+[KMGT]?B?$/i, 'expected a size such as 10GB').default('10GB'),
          })
          .strict()
          .default({ maxMemory: '256MB', maxStore: '10GB' }),
      })
      .strict()
      .default({ host: '127.0.0.1', port: 4222, monitorPort: 8222, jetstream: { maxMemory: '256MB', maxStore: '10GB' } }),
    temporal: z
      .object({
        /** host:port of an existing Temporal frontend instead of the embedded dev server. */
        address: z.string().regex(/^[^:\s]+:\d+$/, 'expected host:port').optional(),
        host: z.string().min(1).default('127.0.0.1'),
        port: port.default(7233),
        uiPort: port.default(8233),
        ui: z.boolean().default(true),
        namespace: z.string().min(1).default('default'),
      })
      .strict()
      .default({ host: '127.0.0.1', port: 7233, uiPort: 8233, ui: true, namespace: 'default' }),
    api: z
      .object({
        host: z.string().min(1).default('127.0.0.1'),
        port: port.default(8480),
      })
      .strict()
      .default({ host: '127.0.0.1', port: 8480 }),
    datasets: z
      .object({
        /** Where dataset versions live: `<dataDir>/datasets` on local disk, or a JetStream object store bucket (cluster). */
        store: z
          .discriminatedUnion('kind', [
            z.object({ kind: z.literal('local') }).strict(),
            z
              .object({
                kind: z.literal('nats'),
                bucket: z.string().regex(/^[A-Za-z0-9_-]+$/, 'expected letters, digits, "_" or "-"').default('signflow_datasets'),
                /** JetStream replicas of the bucket's stream (3 on a three-node cluster). */
                replicas: z.number().int().min(1).max(5).default(1),
              })
              .strict(),
          ])
          .default({ kind: 'local' }),
      })
      .strict()
      .default({ store: { kind: 'local' } }),
  })
  .strict();

export type SignflowConfig = z.output<typeof signflowConfigSchema>;
export type SignflowConfigInput = z.input<typeof signflowConfigSchema>;
