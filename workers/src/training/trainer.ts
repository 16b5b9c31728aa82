import * as tf from '@tensorflow/tfjs';
import type { Logger } from '@signflow/core';
import { selectBackend, type BackendChoice } from './backend.js';
import {
  readCheckpoint,
  restoreModel,
  trainingFingerprint,
  writeCheckpoint,
  type Checkpoint,
  type EpochMetrics,
  type LoopState,
} from './checkpoint.js';
import {
  applyStandardizer,
  balancedClassWeights,
  epochOrder,
  fitStandardizer,
  splitDataset,
  validateDataset,
  type DatasetSplit,
  type SequenceDataset,
  type Standardizer,
} from './data.js';
import { TrainingInputError } from './errors.js';
import { FlatAdam } from './adam.js';
import { EpochRunner } from './fit-loop.js';
import { buildModel, compileModel } from './models.js';
import { installNativeKernels } from './native-kernels.js';
import type { TrainParams } from './params.js';
import type { BlobStore } from './store.js';

export interface TrainOptions {
  dataset: SequenceDataset;
  /** Identity of the data (dataset version id or digest): part of the checkpoint fingerprint. */
  datasetIdentity: string;
  params: TrainParams;
  store: BlobStore;
  /** Where checkpoints go, e.g. `runs/<runId>/<stepId>`: the same key resumes. */
  checkpointKey: string;
  /** Precomputed split (e.g. an exported one shared with the Keras baseline); else split here. */
  split?: DatasetSplit;
  onEpoch?: (metrics: EpochMetrics, state: { backend: string }) => void | Promise<void>;
  onCheckpoint?: (checkpoint: Checkpoint) => void | Promise<void>;
  signal?: AbortSignal;
  logger?: Logger;
}

export interface TrainResult {
  model: tf.LayersModel;
  split: DatasetSplit;
  standardizer: Standardizer | undefined;
  backend: BackendChoice;
  history: EpochMetrics[];
  /** Epochs already done when this process started (0 on a fresh run). */
  resumedFromEpoch: number;
  epochsRun: number;
  stoppedEarly: boolean;
  lastCheckpoint: Checkpoint | undefined;
}

/** Checks params and data against each other before any tensor exists. */
export function checkTrainable(dataset: SequenceDataset, params: TrainParams, split: DatasetSplit): void {
  validateDataset(dataset);
  validateDataset(split.train, 'training split');
  if (split.test.shape[0] === 0) throw new TrainingInputError('the test split is empty: add samples or raise testFraction');
  if (params.model.architecture === 'tcn' && dataset.shape[1] < 2) {
    throw new TrainingInputError(`tcn needs sequences of 2+ frames; this dataset has ${dataset.shape[1]} (use mlp for single-frame keypoints)`);
  }
  if (params.classWeights && params.classWeights !== 'balanced') {
    const unknown = Object.keys(params.classWeights).filter((name) => !dataset.classNames.includes(name));
    if (unknown.length) throw new TrainingInputError(`classWeights names unknown classes: ${unknown.join(', ')}`);
  }
}

export async function train(options: TrainOptions): Promise<TrainResult> {
  const { dataset, params, store } = options;
  validateDataset(dataset);
  const split = options.split ?? splitDataset(dataset, { testFraction: params.testFraction, validationFraction: params.validationFraction, seed: params.model.seed });
  checkTrainable(dataset, params, split);

  const backend = await selectBackend({ logger: options.logger });
  installNativeKernels();
  if (params.model.architecture === 'tcn' && tf.getBackend() === 'wasm') {
    // tfjs-backend-wasm has no gradient kernel for conv1d: train this one on cpu.
    await tf.setBackend('cpu');
    options.logger?.warn('tcn on wasm: no conv1d gradient kernel there, training on the cpu backend');
  }

  const standardizer = params.standardize ? fitStandardizer(split.train) : undefined;
  const [, frames, features] = dataset.shape;
  const fingerprint = trainingFingerprint(params, options.datasetIdentity);
  const classWeight = resolveClassWeights(params, split.train);

  const existing = await readCheckpoint(store, options.checkpointKey);
  let model: tf.LayersModel;
  let state: LoopState;
  if (existing && existing.paramsHash === fingerprint) {
    model = await restoreModel(store, existing);
    state = existing.state;
    options.logger?.info({ epoch: state.epoch, checkpoint: existing.model.modelJson.uri }, 'resuming from checkpoint');
  } else {
    if (existing) options.logger?.warn({ key: options.checkpointKey }, 'checkpoint belongs to other params or data: starting over');
    model = buildModel(params.model, { frames, features, classes: dataset.classNames.length });
    compileModel(model, params.learningRate);
    state = { epoch: 0, learningRate: params.learningRate, history: [], wait: 0, stoppedEarly: false };
  }
  const resumedFromEpoch = state.epoch;
  setLearningRate(model, state.learningRate);

  const trainX = tf.tensor3d(applyStandardizer(split.train.x, features, standardizer), [split.train.shape[0], frames, features]);
  const trainY = tf.tensor1d(split.train.labels, 'int32');
  const validation = split.validation
    ? {
        x: tf.tensor3d(applyStandardizer(split.validation.x, features, standardizer), [split.validation.shape[0], frames, features]),
        labels: tf.tensor1d(split.validation.labels, 'int32'),
      }
    : undefined;
  if (!(model.optimizer instanceof FlatAdam)) throw new TrainingInputError('the model to train must be compiled with compileModel (FlatAdam)');
  const runner = new EpochRunner(model, model.optimizer, classWeight, dataset.classNames.length);
  let lastCheckpoint = existing && existing.paramsHash === fingerprint ? existing : undefined;

  try {
    while (state.epoch < params.epochs && !state.stoppedEarly) {
      options.signal?.throwIfAborted();
      const metrics = await runEpoch(runner, trainX, trainY, validation, params, state, options.signal);
      state.history.push(metrics);
      state.epoch += 1;
      updateEarlyStopping(params, state, metrics);
      await options.onEpoch?.(metrics, { backend: backend.backend });
      state.learningRate *= params.learningRateDecay;
      setLearningRate(model, state.learningRate);
      const due = state.epoch % params.checkpointEvery === 0 || state.epoch === params.epochs || state.stoppedEarly;
      if (due) {
        lastCheckpoint = await writeCheckpoint(store, options.checkpointKey, model, state, fingerprint);
        await options.onCheckpoint?.(lastCheckpoint);
      }
    }
  } finally {
    runner.dispose();
    tf.dispose([trainX, trainY, ...(validation ? [validation.x, validation.labels] : [])]);
  }
  return {
    model,
    split,
    standardizer,
    backend,
    history: state.history,
    resumedFromEpoch,
    epochsRun: state.epoch - resumedFromEpoch,
    stoppedEarly: state.stoppedEarly,
    lastCheckpoint,
  };
}

async function runEpoch(
  runner: EpochRunner,
  x: tf.Tensor,
  labels: tf.Tensor1D,
  validation: { x: tf.Tensor; labels: tf.Tensor1D } | undefined,
  params: TrainParams,
  state: LoopState,
  signal: AbortSignal | undefined,
): Promise<EpochMetrics> {
  const n = x.shape[0] ?? 0;
  const started = performance.now();
  const result = await runner.run({ x, labels, order: Int32Array.from(epochOrder(n, params.model.seed, state.epoch)), batchSize: params.batchSize, validation, signal });
  const seconds = (performance.now() - started) / 1000;
  return {
    epoch: state.epoch + 1,
    loss: result.loss,
    accuracy: result.accuracy,
    ...(validation ? { valLoss: result.valLoss ?? Number.NaN, valAccuracy: result.valAccuracy ?? Number.NaN } : {}),
    learningRate: state.learningRate,
    samplesPerSec: n / Math.max(seconds, 1e-9),
    seconds,
  };
}

function updateEarlyStopping(params: TrainParams, state: LoopState, metrics: EpochMetrics): void {
  const rule = params.earlyStopping;
  if (!rule) return;
  const value = rule.monitor === 'val_loss' ? (metrics.valLoss ?? metrics.loss) : (metrics.valAccuracy ?? metrics.accuracy);
  const better = state.best === undefined || (rule.monitor === 'val_loss' ? value < state.best - rule.minDelta : value > state.best + rule.minDelta);
  if (better) {
    state.best = value;
    state.bestEpoch = metrics.epoch;
    state.wait = 0;
  } else {
    state.wait += 1;
    if (state.wait >= rule.patience) state.stoppedEarly = true;
  }
}

function resolveClassWeights(params: TrainParams, train: SequenceDataset): Record<number, number> | undefined {
  if (!params.classWeights) return undefined;
  if (params.classWeights === 'balanced') return balancedClassWeights(train);
  const byName = params.classWeights;
  return Object.fromEntries(train.classNames.map((name, i) => [i, byName[name] ?? 1]));
}

/** Adam and friends read `learningRate` on every step; tfjs keeps it a protected field. */
function setLearningRate(model: tf.LayersModel, learningRate: number): void {
  Reflect.set(model.optimizer, 'learningRate', learningRate);
}
