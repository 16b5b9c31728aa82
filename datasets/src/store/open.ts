import { loadConfig } from '@signflow/core';
import { Dataset, type ArraysOptions, type DatasetArrays } from './dataset.js';
import { DatasetStore } from './store.js';

export interface OpenOptions {
  /** The store to read; default the local store under `dataDir`. */
  store?: DatasetStore;
  /** Default: the configured data dir (signflow.yaml, SIGNFLOW_DATA_DIR, ~/.signflow). */
  dataDir?: string;
}

export function defaultStore(dataDir?: string): DatasetStore {
  return DatasetStore.local(dataDir ?? loadConfig().config.dataDir);
}

/**
 * Opens a dataset version for reading: `ref` is a name (newest version), `name@<id prefix>`,
 * a version id or a unique id prefix, or an ArtifactRef's `sha256`.
 */
export async function openDataset(ref: string, options: OpenOptions = {}): Promise<Dataset> {
  const store = options.store ?? defaultStore(options.dataDir);
  return Dataset.open(store, await store.resolve(ref));
}

/** Opens `ref` and stacks it into training arrays in one call. */
export async function toTensorArrays(ref: string | Dataset, arrays: ArraysOptions = {}, options: OpenOptions = {}): Promise<DatasetArrays> {
  const dataset = typeof ref === 'string' ? await openDataset(ref, options) : ref;
  return dataset.toArrays(arrays);
}
