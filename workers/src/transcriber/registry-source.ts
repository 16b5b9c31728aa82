import type * as tf from '@tensorflow/tfjs';
import type { NatsConnection } from '@nats-io/nats-core';
import { describeError, type Logger } from '@signflow/core';
import type { DatasetStore } from '@signflow/datasets';
import { featureCount, featureSpecFromDataset, type FeatureSpec } from '../inference/feature-spec.js';
import { loadModelVersion, type Preprocessing } from '../inference/model-package.js';
import type { ModelRegistry, ModelVersion } from '../registry/registry.js';
import type { BlobStore } from '../training/store.js';
import { ensureTfBackend } from './backend.js';
import { ModelLoadError } from './errors.js';
import { promotionModelSource, type ModelSource } from './model-source.js';
import { TfjsRecognizer, type Recognizer } from './recognizer.js';

/**
 * The feature spec of a model package: the one it carries, else the one of the dataset version
 * its lineage names (read from the dataset store: layout, import coordinates, normalisation),
 * checked against the features per frame the model was trained with.
 */
export async function packageFeatureSpec(where: string, preprocessing: Preprocessing, datasetVersion: string | undefined, datasets: DatasetStore | undefined): Promise<FeatureSpec> {
  let spec = preprocessing.featureSpec;
  if (!spec) {
    if (!datasetVersion || !datasets) {
      throw new ModelLoadError(where, 'its package has no feature spec and no dataset store was given to read it from its training dataset');
    }
    try {
      spec = await featureSpecFromDataset(datasets, datasetVersion, preprocessing.frames);
    } catch (err) {
      throw new ModelLoadError(where, `cannot read the feature spec of its training dataset ${datasetVersion}: ${describeError(err)}`, { cause: err });
    }
  }
  if (featureCount(spec) !== preprocessing.features) {
    throw new ModelLoadError(where, `trained on ${preprocessing.features} features per frame, but its feature spec (layout ${spec.layout.id}) gives ${featureCount(spec)}`);
  }
  return spec;
}

/** A loaded model with its package as a recogniser (the model is disposed if it does not fit). */
export async function recognizerFromPackage(
  name: string,
  version: string,
  model: tf.LayersModel,
  preprocessing: Preprocessing,
  datasetVersion: string | undefined,
  datasets: DatasetStore | undefined,
): Promise<Recognizer> {
  try {
    const featureSpec = await packageFeatureSpec(`${name}@${version}`, preprocessing, datasetVersion, datasets);
    return new TfjsRecognizer(name, version, model, { labels: preprocessing.classNames, featureSpec, standardizer: preprocessing.standardizer });
  } catch (err) {
    model.dispose();
    throw err;
  }
}

/** A registry version as a recogniser: its weights, class names, feature spec and standardisation. */
export async function recognizerFromRegistry(store: BlobStore, name: string, version: ModelVersion, datasets?: DatasetStore): Promise<Recognizer> {
  await ensureTfBackend();
  const where = `${name}@${version.version}`;
  let loaded: Awaited<ReturnType<typeof loadModelVersion>>;
  try {
    loaded = await loadModelVersion(store, version);
  } catch (err) {
    throw new ModelLoadError(where, `cannot load it from the artifact store: ${describeError(err)}`, { cause: err });
  }
  return recognizerFromPackage(name, String(version.version), loaded.model, loaded.preprocessing, version.lineage.datasetVersion, datasets);
}

export interface RegistrySourceOptions {
  nc: NatsConnection;
  registry: ModelRegistry;
  store: BlobStore;
  model: string;
  /** Where the training datasets are (their manifests give a model's feature spec). */
  datasets?: DatasetStore;
  logger?: Logger;
}

/**
 * The registry's production model of `name`, swapped for each version promoted to (or rolled
 * back into) production, as announced on `subjects.modelEvents(name)`.
 */
export function registryModelSource(options: RegistrySourceOptions): ModelSource {
  const { registry, store, model, datasets } = options;
  return promotionModelSource({
    nc: options.nc,
    model,
    loadCurrent: async () => recognizerFromRegistry(store, model, await registry.get(model, 'production'), datasets),
    loadVersion: async (version) => recognizerFromRegistry(store, model, await registry.get(model, Number(version)), datasets),
    ...(options.logger ? { logger: options.logger } : {}),
  });
}
