import { z } from 'zod';
import { component } from '../dsl/component.js';
import { artifact } from '../dsl/refs.js';
import { pipeline } from '../dsl/pipeline.js';

/**
 * The sign-recognition pipeline: import → dataset version → split → train → evaluate → register
 * → (optionally) deploy. Each component runs a step registered in workers (`signflow-step
 * <name>`): datasets.import / datasets.split over @signflow/datasets, training.train /
 * training.evaluate / registry.register from the training package, registry.promote (deploy:
 * the live transcriber hot-swaps on the promotion event).
 */
const image = 'signflow/worker:latest';

export const importDataset = component({
  name: 'import-dataset',
  description: 'Imports landmark data (keypoint CSV, MSL-150 npy, Kaggle ISLR parquet) into a new dataset version',
  inputs: { kind: z.enum(['keypoint-csv', 'msl150', 'kaggle-islr']), path: z.string(), name: z.string(), labels: z.string().optional() },
  outputs: { dataset: z.string(), samples: z.number().int(), classes: z.number().int(), manifest: artifact('dataset') },
  run: { step: 'datasets.import' },
  image,
  resources: { cpu: '1', memory: '2Gi' },
});

export const splitDataset = component({
  name: 'split-dataset',
  description: 'k-fold split (signer-independent by default), written as a derived dataset version',
  // `manifest` is the dataset version as an artifact: it makes the lineage edge (the step reads `dataset`).
  inputs: {
    dataset: z.string(),
    manifest: artifact('dataset', { optional: true }),
    k: z.number().int().min(2).default(5),
    seed: z.number().int().min(0).default(0),
    method: z.enum(['auto', 'group-kfold', 'stratified-kfold']).default('auto'),
  },
  outputs: { dataset: z.string(), samples: z.number().int(), classes: z.number().int(), manifest: artifact('dataset') },
  run: { step: 'datasets.split' },
  image,
});

export const train = component({
  name: 'train',
  description: 'Trains a sequence classifier (TensorFlow.js) with checkpoints, resumable',
  inputs: { dataset: z.string(), manifest: artifact('dataset', { optional: true }), train: z.record(z.string(), z.unknown()).default({}) },
  outputs: {
    accuracy: z.number(),
    top5: z.number(),
    backend: z.string(),
    params: z.record(z.string(), z.unknown()),
    datasetVersion: z.string(),
    model: artifact('model'),
    weights: artifact('model'),
    preprocessing: artifact('file'),
    report: artifact('metrics'),
    confusion: artifact('plot'),
    metrics: artifact('metrics'),
  },
  run: { step: 'training.train' },
  image,
  resources: { cpu: '2', memory: '4Gi', gpu: 1 },
  retry: { maxAttempts: 2 },
  timeout: '6h',
});

export const evaluate = component({
  name: 'evaluate',
  description: 'Top-1/top-5, per-class and per-signer accuracy, confusion matrix, latency',
  inputs: { dataset: z.string(), manifest: artifact('dataset', { optional: true }), model: artifact('model'), weights: artifact('model'), preprocessing: artifact('file') },
  outputs: { accuracy: z.number(), top5: z.number(), latencyP95Ms: z.number(), report: artifact('metrics'), confusion: artifact('plot') },
  run: { step: 'training.evaluate' },
  image,
});

export const register = component({
  name: 'register',
  description: 'Registers the model version with its lineage (dataset version, run, params, metrics)',
  inputs: {
    name: z.string(),
    datasetVersion: z.string(),
    params: z.record(z.string(), z.unknown()),
    metrics: z.record(z.string(), z.unknown()).default({}),
    accuracy: z.number().optional(),
    top5: z.number().optional(),
    latencyP95Ms: z.number().optional(),
    backend: z.string(),
    model: artifact('model'),
    weights: artifact('model'),
    preprocessing: artifact('file'),
  },
  outputs: { name: z.string(), version: z.number().int(), stage: z.string() },
  run: { step: 'registry.register' },
  image,
  caching: false,
});

export const deploy = component({
  name: 'deploy',
  description: 'Promotes the version to production: the live transcriber hot-swaps to it',
  inputs: { name: z.string(), version: z.number().int(), stage: z.enum(['staging', 'production']).default('production') },
  outputs: { stage: z.string() },
  run: { step: 'registry.promote' },
  image,
  caching: false,
});

export const signRecognition = pipeline({
  name: 'sign-recognition',
  description: 'Landmark data to a registered (and optionally deployed) sign classifier',
  params: {
    sourceKind: z.enum(['keypoint-csv', 'msl150', 'kaggle-islr']).default('keypoint-csv'),
    sourcePath: z.string().describe('file or folder to import (e.g. keypoint.csv, an MSL-150 sample_npy folder, a Kaggle ISLR train.csv)'),
    datasetName: z.string().default('signs'),
    folds: z.number().int().min(2).default(5),
    splitMethod: z.enum(['auto', 'group-kfold', 'stratified-kfold']).default('auto').describe('auto = by signer when there are enough signers; one-signer data (MSL-150) needs stratified-kfold'),
    seed: z.number().int().min(0).default(0),
    train: z.record(z.string(), z.unknown()).default({ model: { architecture: 'gru', units: 48, dropout: 0.1 }, epochs: 25, learningRate: 0.003 }).describe('training parameters (architecture, epochs, batchSize, ...)'),
    modelName: z.string().default('sign-recognition'),
    deploy: z.boolean().default(false),
    minAccuracy: z.number().min(0).max(1).default(0.8).describe('deploy only at or above this test accuracy'),
    gpu: z
      .string()
      .default('none')
      .describe('GPU of the train step: "none" (CPU), a count such as "1" (nvidia.com/gpu), or "dra:<deviceClassName>:<count>" (DRA)'),
  },
  build: (p, b) => {
    const imported = b.task(importDataset, { kind: p.sourceKind, path: p.sourcePath, name: p.datasetName }, { name: 'import' });
    const split = b.task(splitDataset, { dataset: imported.outputs.dataset, manifest: imported.outputs.manifest, k: p.folds, seed: p.seed, method: p.splitMethod }, { name: 'split' });
    const trained = b.task(train, { dataset: split.outputs.dataset, manifest: split.outputs.manifest, train: p.train }, { resources: { gpu: p.gpu } });
    const evaluated = b.task(evaluate, { dataset: split.outputs.dataset, manifest: split.outputs.manifest, model: trained.outputs.model, weights: trained.outputs.weights, preprocessing: trained.outputs.preprocessing });
    const registered = b.task(register, {
      name: p.modelName,
      datasetVersion: trained.outputs.datasetVersion,
      params: trained.outputs.params,
      backend: trained.outputs.backend,
      accuracy: evaluated.outputs.accuracy,
      top5: evaluated.outputs.top5,
      latencyP95Ms: evaluated.outputs.latencyP95Ms,
      model: trained.outputs.model,
      weights: trained.outputs.weights,
      preprocessing: trained.outputs.preprocessing,
    });
    const deployed = b.condition(p.deploy.eq(true), (cb) => {
      const gate = cb.condition(evaluated.outputs.accuracy.ge(p.minAccuracy), (gb) => ({
        stage: gb.task(deploy, { name: registered.outputs.name, version: registered.outputs.version }).outputs.stage,
      }), { name: 'accuracy-gate' });
      return { stage: gate.outputs.stage };
    }, { name: 'deploy-requested' });
    return {
      dataset: split.outputs.manifest,
      accuracy: evaluated.outputs.accuracy,
      model: trained.outputs.model,
      version: registered.outputs.version,
      stage: deployed.outputs.stage,
    };
  },
});
