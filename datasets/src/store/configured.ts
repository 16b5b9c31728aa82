import { natsClientOptions, objectStores, type SignflowConfig } from '@signflow/core';
import { DatasetStoreError } from '../errors.js';
import { NatsObjectBackend } from './nats-object.js';
import { DatasetStore } from './store.js';

export type DatasetStoreConfig = SignflowConfig['datasets']['store'];
export const STORE_KINDS = ['local', 'nats'] as const;
export type StoreKind = (typeof STORE_KINDS)[number];

/**
 * The store `datasets.store` in signflow.yaml names: `<dataDir>/datasets` on local disk (default),
 * or a NATS object store bucket on the configured server, connecting as configured NATS clients
 * do (`nats.credentials`, else the stack's service user when NATS users are on). `kind` overrides the configured kind (the CLI's `--store`); a `nats`
 * override keeps the configured bucket, else uses the default one. Close it when done.
 */
export async function openConfiguredStore(config: Pick<SignflowConfig, 'dataDir' | 'nats' | 'datasets'>, kind?: string): Promise<DatasetStore> {
  if (kind !== undefined && !(STORE_KINDS as readonly string[]).includes(kind)) {
    throw new DatasetStoreError(`--store ${JSON.stringify(kind)}: use ${STORE_KINDS.join(' or ')}`);
  }
  const configured = config.datasets.store;
  const chosen: DatasetStoreConfig =
    kind === undefined || kind === configured.kind ? configured : kind === 'local' ? { kind: 'local' } : { kind: 'nats', bucket: objectStores.datasets, replicas: 1 };
  if (chosen.kind === 'local') return DatasetStore.local(config.dataDir);
  const { servers, ...connectOptions } = natsClientOptions(config);
  const backend = await NatsObjectBackend.connect({ servers, bucket: chosen.bucket, replicas: chosen.replicas, connectOptions });
  return new DatasetStore(backend);
}

