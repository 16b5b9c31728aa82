import type { NatsConnection } from '@nats-io/nats-core';
import { describeError, type Logger } from '@signflow/core';
import { loadModelVersion } from '../inference/model-package.js';
import type { ModelRegistry, ModelVersion } from '../registry/registry.js';
import type { BlobStore } from '../training/store.js';
import { ensureTfBackend } from './backend.js';
import { ModelLoadError } from './errors.js';
import { FEATURE_LAYOUT, FEATURE_SIZE } from './features.js';
import { promotionModelSource, type ModelSource } from './model-source.js';
import { TfjsRecognizer, type Recognizer } from './recognizer.js';

/** A registry version as a recogniser: its weights, class names and standardisation. */
export async function recognizerFromRegistry(store: BlobStore, name: string, version: ModelVersion): Promise<Recognizer> {
  await ensureTfBackend();
  const where = `${name}@${version.version}`;
  let loaded: Awaited<ReturnType<typeof loadModelVersion>>;
  try {
    loaded = await loadModelVersion(store, version);
  } catch (err) {
    throw new ModelLoadError(where, `cannot load it from the artifact store: ${describeError(err)}`, { cause: err });
  }
  const { model, preprocessing } = loaded;
  if (preprocessing.features !== FEATURE_SIZE) {
    model.dispose();
    throw new ModelLoadError(where, `it takes ${preprocessing.features} features per frame; the transcriber feeds ${FEATURE_SIZE} (layout ${FEATURE_LAYOUT}, MSL-150's): train it on landmark sequences of that layout`);
  }
  try {
    return new TfjsRecognizer(name, String(version.version), model, {
      labels: preprocessing.classNames,
      featureLayout: FEATURE_LAYOUT,
      ...(preprocessing.standardizer ? { standardizer: preprocessing.standardizer } : {}),
    });
  } catch (err) {
    model.dispose();
    throw err;
  }
}

/**
 * The registry's production model of `name`, swapped for each version promoted to (or rolled
 * back into) production, as announced on `subjects.modelEvents(name)`.
 */
export function registryModelSource(options: { nc: NatsConnection; registry: ModelRegistry; store: BlobStore; model: string; logger?: Logger }): ModelSource {
  const { registry, store, model } = options;
  return promotionModelSource({
    nc: options.nc,
    model,
    loadCurrent: async () => recognizerFromRegistry(store, model, await registry.get(model, 'production')),
    loadVersion: async (version) => recognizerFromRegistry(store, model, await registry.get(model, Number(version))),
    ...(options.logger ? { logger: options.logger } : {}),
  });
}
