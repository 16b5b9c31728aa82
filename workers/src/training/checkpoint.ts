import { createHash } from 'node:crypto';
import type * as tf from '@tensorflow/tfjs';
import { z } from 'zod';
import { artifactRefSchema } from '@signflow/core';
import { CheckpointError } from './errors.js';
import { loadModel, saveModel, type StoredModel } from './model-io.js';
import type { TrainParams } from './params.js';
import type { BlobStore } from './store.js';

/**
 * A checkpoint is the model with its optimizer state (two content-addressed blobs) plus the
 * loop's state, pointed to by one JSON document at `<key>/checkpoint.json`. The pointer is
 * written last and by rename, so a kill leaves either the previous checkpoint or the new one.
 */
export const epochMetricsSchema = z.object({
  epoch: z.number().int(),
  loss: z.number(),
  accuracy: z.number(),
  valLoss: z.number().optional(),
  valAccuracy: z.number().optional(),
  learningRate: z.number(),
  samplesPerSec: z.number(),
  seconds: z.number(),
});
export type EpochMetrics = z.infer<typeof epochMetricsSchema>;

export const loopStateSchema = z.object({
  /** Epochs completed. */
  epoch: z.number().int().min(0),
  learningRate: z.number(),
  history: z.array(epochMetricsSchema),
  best: z.number().optional(),
  bestEpoch: z.number().int().optional(),
  /** Epochs since the monitored value last improved. */
  wait: z.number().int().min(0),
  stoppedEarly: z.boolean(),
});
export type LoopState = z.infer<typeof loopStateSchema>;

const checkpointSchema = z.object({
  version: z.literal(1),
  paramsHash: z.string(),
  savedAt: z.string(),
  model: z.object({ modelJson: artifactRefSchema, weights: artifactRefSchema }),
  state: loopStateSchema,
});
export type Checkpoint = z.infer<typeof checkpointSchema>;

/** Identity of what is being trained: a checkpoint of other params or data is never resumed. */
export function trainingFingerprint(params: TrainParams, dataIdentity: string): string {
  return createHash('sha256').update(JSON.stringify({ params, dataIdentity })).digest('hex').slice(0, 16);
}

export function checkpointDocKey(key: string): string {
  return `${key}/checkpoint.json`;
}

export async function writeCheckpoint(store: BlobStore, key: string, model: tf.LayersModel, state: LoopState, paramsHash: string): Promise<Checkpoint> {
  const stored: StoredModel = await saveModel(store, model, { includeOptimizer: true });
  const checkpoint: Checkpoint = { version: 1, paramsHash, savedAt: new Date().toISOString(), model: stored, state };
  await store.writeJson(checkpointDocKey(key), checkpoint);
  return checkpoint;
}

export async function readCheckpoint(store: BlobStore, key: string): Promise<Checkpoint | undefined> {
  const raw = await store.readJson(checkpointDocKey(key));
  if (raw === undefined) return undefined;
  const parsed = checkpointSchema.safeParse(raw);
  if (!parsed.success) throw new CheckpointError(`checkpoint ${checkpointDocKey(key)} is not a signflow checkpoint: ${parsed.error.issues[0]?.message ?? 'invalid'}; delete it to start over`);
  return parsed.data;
}

/** The checkpoint's model, compiled with its saved optimizer state. */
export async function restoreModel(store: BlobStore, checkpoint: Checkpoint): Promise<tf.LayersModel> {
  try {
    return await loadModel(store, checkpoint.model);
  } catch (err) {
    throw new CheckpointError(`checkpoint model ${checkpoint.model.modelJson.uri} could not be loaded; delete the checkpoint to start over`, { cause: err });
  }
}
