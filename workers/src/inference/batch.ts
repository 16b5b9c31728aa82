import * as tf from '@tensorflow/tfjs';
import type { ArtifactRef } from '@signflow/core';
import type { SequenceDataset } from '../training/data.js';
import { predictProbabilities } from '../evaluation/evaluate.js';
import type { BlobStore } from '../training/store.js';
import type { LoadedModel } from './model-package.js';

/**
 * A registered model over a dataset version (one prediction per sample) or a recorded stream
 * (one per sliding window), written as a JSON-lines predictions artifact.
 */
export interface Prediction {
  /** Sample id, or `<stream>@<first frame>` for a window of a stream. */
  id: string;
  label: string;
  confidence: number;
  /** Time span in seconds within the sample or stream. */
  start: number;
  end: number;
}

export async function predictDataset(loaded: LoadedModel, ds: SequenceDataset, fps: number): Promise<Prediction[]> {
  const { preprocessing } = loaded;
  checkShape(preprocessing.features, ds.shape[2]);
  const windows = ds.shape[1] === preprocessing.frames ? ds : undefined;
  if (!windows) throw new Error(`dataset frames ${ds.shape[1]} differ from the model's window of ${preprocessing.frames}: resample it first`);
  const probs = await predictProbabilities(loaded.model, { ...ds, classNames: preprocessing.classNames }, { standardizer: preprocessing.standardizer });
  return toPredictions(probs, preprocessing.classNames, (i) => ({ id: ds.ids?.[i] ?? String(i), start: 0, end: ds.shape[1] / fps }));
}

/** Sliding windows of the model's length over `[frames, features]`, every `stride` frames. */
export async function predictStream(loaded: LoadedModel, stream: { id: string; x: Float32Array; frames: number; fps: number }, stride = 5): Promise<Prediction[]> {
  const { frames, features, classNames } = loaded.preprocessing;
  checkShape(features, stream.x.length / Math.max(stream.frames, 1));
  const starts: number[] = [];
  for (let s = 0; s + frames <= stream.frames; s += stride) starts.push(s);
  const x = new Float32Array(starts.length * frames * features);
  starts.forEach((s, i) => x.set(stream.x.subarray(s * features, (s + frames) * features), i * frames * features));
  const ds: SequenceDataset = { x, shape: [starts.length, frames, features], labels: new Int32Array(starts.length), classNames };
  const probs = await predictProbabilities(loaded.model, ds, { standardizer: loaded.preprocessing.standardizer });
  return toPredictions(probs, classNames, (i) => ({ id: `${stream.id}@${starts[i] ?? 0}`, start: (starts[i] ?? 0) / stream.fps, end: ((starts[i] ?? 0) + frames) / stream.fps }));
}

export async function writePredictions(store: BlobStore, predictions: readonly Prediction[], metadata: Record<string, unknown>): Promise<ArtifactRef> {
  return store.putBytes(predictions.map((p) => JSON.stringify(p)).join('\n') + '\n', 'predictions', { count: predictions.length, backend: tf.getBackend(), ...metadata });
}

function toPredictions(probs: Float32Array, classNames: readonly string[], where: (i: number) => Omit<Prediction, 'label' | 'confidence'>): Prediction[] {
  const classes = classNames.length;
  const out: Prediction[] = [];
  for (let i = 0; i < probs.length / classes; i++) {
    let best = 0;
    for (let c = 1; c < classes; c++) if ((probs[i * classes + c] ?? 0) > (probs[i * classes + best] ?? 0)) best = c;
    out.push({ ...where(i), label: classNames[best] ?? String(best), confidence: probs[i * classes + best] ?? 0 });
  }
  return out;
}

function checkShape(expected: number, got: number): void {
  if (expected !== got) throw new Error(`the model takes ${expected} features per frame, the data has ${got}: use the same landmark layout and channels as training`);
}
