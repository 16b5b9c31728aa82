import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import type { ConnectionOptions } from '@nats-io/transport-node';
import { natsClientOptions } from '../auth/nats-setup.js';
import { loadConfig } from '../config/load.js';
import type { SignflowConfig } from '../config/schema.js';
import { ArtifactStoreError } from '../errors.js';
import { LocalArtifactStore } from './local-store.js';
import { NatsArtifactStore } from './nats-store.js';
import type { ArtifactStore } from './store.js';

export interface OpenArtifactStoreOptions {
  /** How a `nats://` store connects: `natsClientOptions(config)`; default from the loaded config (env, signflow.yaml). */
  nats?: { servers: string | string[] } & Partial<ConnectionOptions>;
  /** Where a remote store fetches artifacts for localPath(). */
  cacheDir?: string;
}

/**
 * Opens the store a root URI names: `file:///dir` (or an absolute path) or `nats://<bucket>` (a
 * JetStream object store bucket on the configured NATS server). A NATS store connects on first
 * use; call `close?.()` when done.
 */
export function openArtifactStore(rootUri: string, options: OpenArtifactStoreOptions = {}): ArtifactStore {
  if (rootUri.startsWith('file:')) return new LocalArtifactStore(fileURLToPath(rootUri));
  if (rootUri.startsWith('/')) return new LocalArtifactStore(rootUri);
  const nats = /^nats:\/\/([^/?#]+)\/?$/.exec(rootUri);
  if (nats?.[1]) {
    const { servers, ...connectOptions } = options.nats ?? natsClientOptions(loadConfig().config);
    return new NatsArtifactStore({ servers, bucket: nats[1], connectOptions, ...(options.cacheDir ? { cacheDir: options.cacheDir } : {}) });
  }
  throw new ArtifactStoreError(`artifact store ${rootUri}: use file:///<dir> or nats://<bucket>`);
}

/** The root URI of the configured artifact store: `artifacts.store`, else `<dataDir>/artifacts`. */
export function artifactStoreUri(config: Pick<SignflowConfig, 'dataDir' | 'artifacts'>): string {
  return config.artifacts.store ?? pathToFileURL(join(config.dataDir, 'artifacts')).href;
}

/** The configured artifact store, connecting to NATS as configured clients do (`natsClientOptions`). */
export function configuredArtifactStore(config: Pick<SignflowConfig, 'dataDir' | 'artifacts' | 'nats'>): ArtifactStore {
  return openArtifactStore(artifactStoreUri(config), { nats: natsClientOptions(config), cacheDir: join(config.dataDir, 'cache', 'artifacts') });
}
