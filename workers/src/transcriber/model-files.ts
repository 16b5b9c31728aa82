import { readFile, writeFile, mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { z } from 'zod';
import { describeError, parseWith } from '@signflow/core';
import type { DatasetStore } from '@signflow/datasets';
import { preprocessingSchema } from '../inference/model-package.js';
import { ensureTfBackend } from './backend.js';
import { ModelLoadError } from './errors.js';
import type { Recognizer } from './recognizer.js';
import { recognizerFromPackage } from './registry-source.js';

interface ModelJson {
  modelTopology: object;
  weightsManifest: { paths: string[]; weights: tf.io.WeightsManifestEntry[] }[];
  userDefinedMetadata?: Record<string, object>;
}

/**
 * Loads a tfjs layers model saved as a folder (model.json + weight shards), as `tf.io` writes
 * it, without tfjs-node: the files are read here and handed to tfjs from memory.
 */
export async function loadLayersModelDir(dir: string): Promise<tf.LayersModel> {
  await ensureTfBackend();
  let json: ModelJson;
  try {
    json = JSON.parse(await readFile(join(dir, 'model.json'), 'utf8')) as ModelJson;
  } catch (err) {
    throw new ModelLoadError(dir, `cannot read model.json (${describeError(err)}); point at a folder saved by tfjs (model.json + weights)`, { cause: err });
  }
  const specs: tf.io.WeightsManifestEntry[] = [];
  const buffers: Buffer[] = [];
  for (const group of json.weightsManifest) {
    specs.push(...group.weights);
    for (const path of group.paths) buffers.push(await readFile(join(dir, path)));
  }
  const weights = Buffer.concat(buffers);
  const artifacts: tf.io.ModelArtifacts = {
    modelTopology: json.modelTopology,
    weightSpecs: specs,
    weightData: weights.buffer.slice(weights.byteOffset, weights.byteOffset + weights.byteLength),
    ...(json.userDefinedMetadata ? { userDefinedMetadata: json.userDefinedMetadata } : {}),
  };
  try {
    return await tf.loadLayersModel(tf.io.fromMemory(artifacts));
  } catch (err) {
    throw new ModelLoadError(dir, `tfjs could not load the model: ${describeError(err)}`, { cause: err });
  }
}

/** Saves a layers model as model.json + weights.bin in `dir` (the layout loadLayersModelDir reads). */
export async function saveLayersModelDir(model: tf.LayersModel, dir: string): Promise<void> {
  await mkdir(dir, { recursive: true });
  await model.save(
    tf.io.withSaveHandler(async (artifacts) => {
      const weightData = artifacts.weightData;
      const bytes = weightData === undefined ? new Uint8Array() : new Uint8Array(Array.isArray(weightData) ? tf.io.concatenateArrayBuffers(weightData) : weightData);
      const json: ModelJson = {
        modelTopology: artifacts.modelTopology as object,
        weightsManifest: [{ paths: ['weights.bin'], weights: artifacts.weightSpecs ?? [] }],
        ...(artifacts.userDefinedMetadata ? { userDefinedMetadata: artifacts.userDefinedMetadata } : {}),
      };
      await writeFile(join(dir, 'model.json'), JSON.stringify(json));
      await writeFile(join(dir, 'weights.bin'), bytes);
      return { modelArtifactsInfo: { dateSaved: new Date(), modelTopologyType: 'JSON' } };
    }),
  );
}

const exportedPackageSchema = z.object({
  preprocessing: preprocessingSchema,
  lineage: z.object({ datasetVersion: z.string().optional() }).loose().optional(),
});

/**
 * A recogniser from a model folder as `signflow model export` writes it: model.json + weights
 * and signflow.json (the package's preprocessing, with its feature spec or the lineage's
 * dataset version to read it from).
 */
export async function loadRecognizerDir(dir: string, name: string, version: string, datasets?: DatasetStore): Promise<Recognizer> {
  let pkg: z.output<typeof exportedPackageSchema>;
  try {
    pkg = parseWith(exportedPackageSchema, JSON.parse(await readFile(join(dir, 'signflow.json'), 'utf8')), `${dir}/signflow.json`);
  } catch (err) {
    throw new ModelLoadError(dir, `no usable signflow.json (${describeError(err)}): export the model with \`signflow model export <name> <dir>\``, { cause: err });
  }
  const model = await loadLayersModelDir(dir);
  return recognizerFromPackage(name, version, model, pkg.preprocessing, pkg.lineage?.datasetVersion, datasets);
}
