import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import type { ArtifactRef } from '@signflow/core';
import { readBytes, type BlobStore } from './store.js';
import './layers.js';
// Registered under the standard class names (GRU, Adam): loaded models get the fast paths here.
import './fused-gru.js';
import './adam.js';

/**
 * Models in the standard TF.js layers format (`model.json` + one weights file), stored as two
 * content-addressed blobs. Loading needs no tfjs-node file handler, so every backend reads them.
 */
export const WEIGHTS_FILE = 'weights.bin';

export interface StoredModel {
  modelJson: ArtifactRef;
  weights: ArtifactRef;
}

interface ModelJson {
  modelTopology: tf.io.ModelArtifacts['modelTopology'];
  weightsManifest: tf.io.WeightsManifestConfig;
  trainingConfig?: tf.io.TrainingConfig;
  format?: string;
  generatedBy?: string;
  convertedBy?: string | null;
  userDefinedMetadata?: Record<string, unknown>;
}

/** The model as `model.json` text and weight bytes; with the optimizer's state when asked (checkpoints). */
export async function serializeModel(model: tf.LayersModel, options: { includeOptimizer?: boolean; metadata?: Record<string, unknown> } = {}): Promise<{ json: string; weights: Uint8Array }> {
  let captured: tf.io.ModelArtifacts | undefined;
  await model.save(
    tf.io.withSaveHandler((artifacts) => {
      captured = artifacts;
      return Promise.resolve({ modelArtifactsInfo: { dateSaved: new Date(), modelTopologyType: 'JSON' } });
    }),
    { includeOptimizer: options.includeOptimizer ?? false },
  );
  if (!captured?.weightSpecs || captured.weightData === undefined) throw new Error('model.save produced no weights');
  const weightData = tf.io.CompositeArrayBuffer.join(captured.weightData);
  const json: ModelJson = {
    modelTopology: captured.modelTopology,
    weightsManifest: [{ paths: [WEIGHTS_FILE], weights: captured.weightSpecs }],
    format: 'layers-model',
    generatedBy: `TensorFlow.js tfjs-layers v${tf.version_layers}`,
    convertedBy: null,
    ...(captured.trainingConfig ? { trainingConfig: captured.trainingConfig } : {}),
    ...(options.metadata ? { userDefinedMetadata: options.metadata } : {}),
  };
  return { json: JSON.stringify(json), weights: new Uint8Array(weightData) };
}

export async function saveModel(store: BlobStore, model: tf.LayersModel, options: { includeOptimizer?: boolean; metadata?: Record<string, unknown> } = {}): Promise<StoredModel> {
  const { json, weights } = await serializeModel(model, options);
  const [modelJson, weightsRef] = await Promise.all([
    store.putBytes(json, 'model', { file: 'model.json' }),
    store.putBytes(weights, 'model', { file: WEIGHTS_FILE }),
  ]);
  return { modelJson, weights: weightsRef };
}

/** Loads a model; a checkpoint saved with its optimizer comes back compiled with that state. */
export async function loadModelFromBytes(jsonText: string, weights: Uint8Array): Promise<tf.LayersModel> {
  const json = JSON.parse(jsonText) as ModelJson;
  const weightData = weights.buffer.slice(weights.byteOffset, weights.byteOffset + weights.byteLength) as ArrayBuffer;
  const artifacts: tf.io.ModelArtifacts = {
    modelTopology: json.modelTopology,
    weightSpecs: json.weightsManifest.flatMap((group) => group.weights),
    weightData,
    ...(json.trainingConfig ? { trainingConfig: json.trainingConfig } : {}),
  };
  return tf.loadLayersModel(tf.io.fromMemory(artifacts));
}

export async function loadModel(store: BlobStore, stored: StoredModel): Promise<tf.LayersModel> {
  const [json, weights] = await Promise.all([readBytes(store, stored.modelJson), readBytes(store, stored.weights)]);
  return loadModelFromBytes(Buffer.from(json).toString('utf8'), weights);
}

/** Writes `model.json` + `weights.bin` (+ any extra JSON files) into `dir`: loadable with tf.loadLayersModel. */
export async function exportModelDirectory(store: BlobStore, stored: StoredModel, dir: string, extras: Record<string, unknown> = {}): Promise<string[]> {
  await mkdir(dir, { recursive: true });
  const json = await readFile(await store.localPath(stored.modelJson));
  const weights = await readFile(await store.localPath(stored.weights));
  const files = ['model.json', WEIGHTS_FILE];
  await writeFile(join(dir, 'model.json'), json);
  await writeFile(join(dir, WEIGHTS_FILE), weights);
  for (const [name, value] of Object.entries(extras)) {
    await writeFile(join(dir, name), `${JSON.stringify(value, null, 2)}\n`);
    files.push(name);
  }
  return files;
}
