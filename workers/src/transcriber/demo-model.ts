import { join } from 'node:path';
import type { NatsConnection } from '@nats-io/nats-core';
import { openArtifactStore, type SignflowConfig } from '@signflow/core';
import { savePreprocessing } from '../inference/model-package.js';
import { ModelRegistry } from '../registry/registry.js';
import { saveModel } from '../training/model-io.js';
import { FEATURE_SIZE } from './features.js';
import { readMslSigns } from './replay.js';
import { trainSmallModel } from './small-model.js';

export interface DemoModelResult {
  version: number;
  /** 'cached': a production version of the msl226 layout was already registered. */
  source: 'cached' | 'trained';
}

/**
 * Makes sure the registry has a production model the transcriber can use: keeps a production
 * version that takes msl226 features, else trains the small model on the MSL-150 fixture
 * sequences, registers it and promotes it (the promotion event goes out on NATS).
 */
export async function ensureDemoModel(config: SignflowConfig, nc: NatsConnection | undefined, mslRoot: string, name = 'signs'): Promise<DemoModelResult> {
  const store = openArtifactStore(join(config.dataDir, 'artifacts'));
  const registry = new ModelRegistry(store, nc);
  if ((await registry.names()).includes(name)) {
    const production = (await registry.list(name)).findLast((v) => v.stage === 'production');
    if (production) return { version: production.version, source: 'cached' };
  }
  const signs = ['ambulancia', 'doctor', 'dolor', 'hoy', 'yo'];
  const train = await readMslSigns(mslRoot, signs, 10, 0);
  const { model, labels } = await trainSmallModel(train);
  const saved = await saveModel(store, model);
  model.dispose();
  const preprocessing = await savePreprocessing(store, { classNames: labels, frames: 16, features: FEATURE_SIZE, architecture: 'small-mlp' });
  const version = await registry.register(name, {
    model: saved,
    preprocessing,
    lineage: { datasetVersion: 'fixture:msl150/sample_npy', params: { perSign: 10, epochs: 40 }, metrics: {}, backend: 'transcriber small model' },
  });
  await registry.promote(name, version.version, 'production');
  return { version: version.version, source: 'trained' };
}
