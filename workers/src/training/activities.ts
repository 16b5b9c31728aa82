import { ApplicationFailure, Context } from '@temporalio/activity';
import { SignflowError, ValidationError, type ArtifactRef, type Logger } from '@signflow/core';
import type { EventPublisher } from '../registry/registry.js';
import type { SequenceDataset } from './data.js';
import { runTrainJob, type TrainProgress } from './job.js';
import { parseTrainParams } from './params.js';
import type { BlobStore } from './store.js';
import { TrainingInputError } from './errors.js';

/**
 * Training as a Temporal activity: heartbeats its progress and last checkpoint, and a retried
 * attempt (after the worker died) resumes from the run's checkpoint in the artifact store.
 */
export interface TrainActivityInput {
  /** Dataset reference the `loadDataset` dependency understands (dataset version id, `name@id`, ...). */
  dataset: string;
  params: unknown;
  runId: string;
  stepId: string;
}

export interface TrainActivityResult {
  model: { modelJson: ArtifactRef; weights: ArtifactRef };
  preprocessing: ArtifactRef;
  report: ArtifactRef;
  confusionPng: ArtifactRef;
  accuracy: number;
  top5: number;
  backend: string;
  resumedFromEpoch: number;
  epochsRun: number;
  epochs: number[];
  attempt: number;
}

export interface TrainingActivityDeps {
  store: BlobStore;
  events?: EventPublisher;
  loadDataset(ref: string): Promise<{ dataset: SequenceDataset; version: string }>;
  logger?: Logger;
  /** How often to heartbeat while an epoch runs (an epoch can outlast the heartbeat timeout). */
  heartbeatEveryMs?: number;
}

export function createTrainingActivities(deps: TrainingActivityDeps) {
  return {
    async trainModel(input: TrainActivityInput): Promise<TrainActivityResult> {
      const ctx = Context.current();
      let details: TrainProgress | undefined;
      const timer = setInterval(() => ctx.heartbeat(details), deps.heartbeatEveryMs ?? 1000);
      try {
        const params = parseTrainParams(input.params);
        const { dataset, version } = await deps.loadDataset(input.dataset);
        const result = await runTrainJob(
          { dataset, datasetVersion: version, params, runId: input.runId, stepId: input.stepId },
          {
            store: deps.store,
            events: deps.events,
            logger: deps.logger,
            signal: ctx.cancellationSignal,
            heartbeat: (progress) => {
              details = progress;
              ctx.heartbeat(progress);
            },
          },
        );
        return {
          model: result.model,
          preprocessing: result.preprocessing,
          report: result.report,
          confusionPng: result.confusionPng,
          accuracy: result.evaluation.accuracy,
          top5: result.evaluation.top5,
          backend: result.backend,
          resumedFromEpoch: result.resumedFromEpoch,
          epochsRun: result.epochsRun,
          epochs: result.history.map((m) => m.epoch),
          attempt: ctx.info.attempt,
        };
      } catch (err) {
        // Bad params or data fail the same way on every attempt: do not retry them.
        if (err instanceof TrainingInputError || err instanceof ValidationError) {
          throw ApplicationFailure.nonRetryable(err.message, err instanceof SignflowError ? err.code : 'TRAINING_INPUT');
        }
        throw err;
      } finally {
        clearInterval(timer);
      }
    },
  };
}
export type TrainingActivities = ReturnType<typeof createTrainingActivities>;
