import * as tf from '@tensorflow/tfjs';
import { subjects, type ArtifactRef, type Logger } from '@signflow/core';
import { evaluateModel, type EvaluationReport } from '../evaluation/evaluate.js';
import { renderConfusionPng } from '../evaluation/confusion-image.js';
import { savePreprocessing } from '../inference/model-package.js';
import type { EventPublisher } from '../registry/registry.js';
import type { Checkpoint, EpochMetrics } from './checkpoint.js';
import type { SequenceDataset } from './data.js';
import { saveModel, type StoredModel } from './model-io.js';
import type { TrainParams } from './params.js';
import type { BlobStore } from './store.js';
import { train } from './trainer.js';
import { disposeModel } from './models.js';

/**
 * One training run as a pipeline step or activity sees it: train (resuming from the run's
 * checkpoint), publish each epoch's metrics on NATS and keep them with the run, evaluate on the
 * held-out split, store the model, its preprocessing, the report and the confusion image.
 */
export interface TrainJobInput {
  dataset: SequenceDataset;
  datasetVersion: string;
  params: TrainParams;
  runId: string;
  stepId: string;
}

export interface TrainJobDeps {
  store: BlobStore;
  /** NATS connection for `signflow.runs.<run>.metrics` (core publish); optional offline. */
  events?: EventPublisher | undefined;
  /** Liveness and progress (Temporal heartbeat); called after every epoch and checkpoint. */
  heartbeat?: (details: TrainProgress) => void;
  logger?: Logger | undefined;
  signal?: AbortSignal | undefined;
}

export interface TrainProgress {
  epoch: number;
  epochs: number;
  lastCheckpointEpoch: number | undefined;
  backend: string;
  /** The epoch just finished (absent on checkpoint-only reports): what `signflow run watch` shows. */
  metrics?: EpochMetrics;
}

export interface TrainJobResult {
  model: StoredModel;
  preprocessing: ArtifactRef;
  report: ArtifactRef;
  confusionPng: ArtifactRef;
  metricsHistory: ArtifactRef;
  evaluation: Omit<EvaluationReport, 'confusion'>;
  history: EpochMetrics[];
  backend: string;
  resumedFromEpoch: number;
  epochsRun: number;
  stoppedEarly: boolean;
  splitStrategy: 'signer' | 'stratified';
}

export function metricsKey(runId: string, stepId: string): string {
  return `runs/${runId}/${stepId}/metrics.json`;
}

export async function runTrainJob(input: TrainJobInput, deps: TrainJobDeps): Promise<TrainJobResult> {
  const { store, logger } = deps;
  const key = `runs/${input.runId}/${input.stepId}`;
  let lastCheckpoint: Checkpoint | undefined;
  let backend = 'unknown';
  const progress = (epoch: number): TrainProgress => ({ epoch, epochs: input.params.epochs, lastCheckpointEpoch: lastCheckpoint?.state.epoch, backend });

  const result = await train({
    dataset: input.dataset,
    datasetIdentity: input.datasetVersion,
    params: input.params,
    store,
    checkpointKey: key,
    signal: deps.signal,
    logger,
    onEpoch: async (metrics, state) => {
      backend = state.backend;
      const message = { runId: input.runId, stepId: input.stepId, backend, ...metrics };
      deps.events?.publish(subjects.runMetrics(input.runId), new TextEncoder().encode(JSON.stringify(message)));
      const stored = ((await store.readJson(metricsKey(input.runId, input.stepId))) as EpochMetrics[] | undefined) ?? [];
      await store.writeJson(metricsKey(input.runId, input.stepId), [...stored.filter((m) => m.epoch < metrics.epoch), { ...metrics, backend }]);
      logger?.info(message, `epoch ${metrics.epoch}/${input.params.epochs} loss ${metrics.loss.toFixed(4)} acc ${metrics.accuracy.toFixed(3)}`);
      deps.heartbeat?.({ ...progress(metrics.epoch), metrics });
    },
    onCheckpoint: (checkpoint) => {
      lastCheckpoint = checkpoint;
      deps.heartbeat?.(progress(checkpoint.state.epoch));
    },
  });
  backend = result.backend.backend;

  try {
    const report = await evaluateModel(result.model, result.split.test, { standardizer: result.standardizer });
    const [, frames, features] = input.dataset.shape;
    const [model, preprocessing, reportRef, confusionPng] = await Promise.all([
      saveModel(store, result.model),
      savePreprocessing(store, { classNames: [...input.dataset.classNames], frames, features, standardizer: result.standardizer, architecture: input.params.model.architecture }),
      store.putBytes(JSON.stringify({ ...report, split: result.split.strategy, testSigners: result.split.testSigners ?? [] }, null, 2), 'metrics', { accuracy: report.accuracy, top5: report.top5 }),
      store.putBytes(renderConfusionPng(report.confusion.matrix), 'plot', { plot: 'confusion-matrix', labels: report.confusion.labels }),
    ]);
    const metricsHistory = await store.putBytes(JSON.stringify(result.history), 'metrics', { epochs: result.history.length });
    const { confusion: _confusion, ...evaluation } = report;
    return {
      model,
      preprocessing,
      report: reportRef,
      confusionPng,
      metricsHistory,
      evaluation,
      history: result.history,
      backend,
      resumedFromEpoch: result.resumedFromEpoch,
      epochsRun: result.epochsRun,
      stoppedEarly: result.stoppedEarly,
      splitStrategy: result.split.strategy,
    };
  } finally {
    disposeModel(result.model);
    logger?.debug({ tensors: tf.memory().numTensors }, 'training tensors after dispose');
  }
}
