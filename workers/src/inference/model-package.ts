import type * as tf from '@tensorflow/tfjs';
import { z } from 'zod';
import type { ArtifactRef } from '@signflow/core';
import { loadModel } from '../training/model-io.js';
import { readBytes, type BlobStore } from '../training/store.js';
import type { ModelVersion } from '../registry/registry.js';
import { featureSpecSchema } from './feature-spec.js';

/** What inference needs besides the weights: class names, window shape, feature standardisation. */
export const preprocessingSchema = z.object({
  classNames: z.array(z.string()).min(2),
  frames: z.number().int().positive(),
  features: z.number().int().positive(),
  standardizer: z.object({ mean: z.array(z.number()), std: z.array(z.number()) }).optional(),
  architecture: z.string(),
  /** The input features (layout, coordinates, normalisation, frames); without it, read from the lineage's dataset version. */
  featureSpec: featureSpecSchema.optional(),
});
export type Preprocessing = z.infer<typeof preprocessingSchema>;

export async function savePreprocessing(store: BlobStore, preprocessing: Preprocessing): Promise<ArtifactRef> {
  return store.putBytes(JSON.stringify(preprocessing), 'file', { file: 'preprocessing.json', classes: preprocessing.classNames.length });
}

export async function loadPreprocessing(store: BlobStore, ref: ArtifactRef): Promise<Preprocessing> {
  return preprocessingSchema.parse(JSON.parse(Buffer.from(await readBytes(store, ref)).toString('utf8')));
}

export interface LoadedModel {
  model: tf.LayersModel;
  preprocessing: Preprocessing;
}

export async function loadModelVersion(store: BlobStore, version: ModelVersion): Promise<LoadedModel> {
  const [model, preprocessing] = await Promise.all([loadModel(store, version.model), loadPreprocessing(store, version.preprocessing)]);
  return { model, preprocessing };
}
