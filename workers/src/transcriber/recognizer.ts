import * as tf from '@tensorflow/tfjs';
import { z } from 'zod';
import { parseWith, type CaptionAlternative } from '@signflow/core';
import { FEATURE_LAYOUT, FEATURE_SIZE } from './features.js';
import { ModelLoadError } from './errors.js';

/** What recognition returns for one sign: labels best first, confidences summing to ≤ 1. */
export interface Recognition {
  label: string;
  confidence: number;
  alternatives: CaptionAlternative[];
}

/** A sign recogniser: the transcriber's only view of a model. */
export interface Recognizer {
  readonly name: string;
  readonly version: string;
  readonly labels: readonly string[];
  /** Recognises one sign from its feature frames (msl226 layout), oldest first. */
  recognize(frames: readonly Float32Array[]): Recognition;
  dispose(): void;
}

/**
 * What a model must carry (in model.json `userDefinedMetadata.signflow`, or beside it) for the
 * transcriber to use it: its class labels in output order and the feature layout it was trained
 * on.
 */
export const recognizerMetadataSchema = z.object({
  labels: z.array(z.string().min(1).max(128)).min(2),
  featureLayout: z.literal(FEATURE_LAYOUT).default(FEATURE_LAYOUT),
  /** Per-feature standardisation the model was trained with (x - mean) / std. */
  standardizer: z.object({ mean: z.array(z.number()).length(FEATURE_SIZE), std: z.array(z.number()).length(FEATURE_SIZE) }).optional(),
});
export type RecognizerMetadata = z.output<typeof recognizerMetadataSchema>;

/**
 * Resamples a sequence to `length` frames by nearest-frame picking over evenly spaced
 * positions, so a sign of any duration fits a model's fixed time axis.
 */
export function resampleFrames(frames: readonly Float32Array[], length: number): Float32Array[] {
  if (frames.length === 0) throw new RangeError('cannot resample an empty sequence');
  const out: Float32Array[] = [];
  for (let i = 0; i < length; i++) {
    const position = length === 1 ? 0 : (i * (frames.length - 1)) / (length - 1);
    const frame = frames[Math.round(position)];
    if (frame) out.push(frame);
  }
  return out;
}

/** A tfjs layers model taking [batch, frames, 226] and giving class probabilities. */
export class TfjsRecognizer implements Recognizer {
  readonly labels: readonly string[];
  private readonly frames: number;

  constructor(
    readonly name: string,
    readonly version: string,
    private readonly model: tf.LayersModel,
    metadata: RecognizerMetadata,
  ) {
    const input = model.inputs[0]?.shape;
    const output = model.outputs[0]?.shape;
    if (!input || input.length !== 3 || typeof input[1] !== 'number' || input[2] !== FEATURE_SIZE) {
      throw new ModelLoadError(`${name}@${version}`, `expected an input of shape [batch, frames, ${FEATURE_SIZE}] (layout ${FEATURE_LAYOUT}), got ${JSON.stringify(input)}`);
    }
    if (!output || output[output.length - 1] !== metadata.labels.length) {
      throw new ModelLoadError(`${name}@${version}`, `the model has ${String(output?.[output.length - 1])} outputs but ${metadata.labels.length} labels; export the labels with the model`);
    }
    this.frames = input[1];
    this.labels = metadata.labels;
    this.standardizer = metadata.standardizer;
  }

  private readonly standardizer: RecognizerMetadata['standardizer'];

  recognize(frames: readonly Float32Array[]): Recognition {
    const sampled = resampleFrames(frames, this.frames);
    const data = new Float32Array(this.frames * FEATURE_SIZE);
    sampled.forEach((frame, i) => data.set(frame, i * FEATURE_SIZE));
    if (this.standardizer) {
      const { mean, std } = this.standardizer;
      for (let i = 0; i < data.length; i++) {
        const f = i % FEATURE_SIZE;
        data[i] = ((data[i] ?? 0) - (mean[f] ?? 0)) / (std[f] || 1);
      }
    }
    const probabilities = tf.tidy(() => {
      const input = tf.tensor3d(data, [1, this.frames, FEATURE_SIZE]);
      const output = this.model.predict(input);
      const tensor = Array.isArray(output) ? output[0] : output;
      if (!tensor) throw new ModelLoadError(`${this.name}@${this.version}`, 'predict returned no tensor');
      return tensor.dataSync();
    });
    const ranked = Array.from(probabilities, (confidence, i) => ({ label: this.labels[i] ?? String(i), confidence: clampUnit(confidence) })).sort(
      (a, b) => b.confidence - a.confidence,
    );
    const [best, ...rest] = ranked;
    if (!best) throw new ModelLoadError(`${this.name}@${this.version}`, 'the model produced no scores');
    return { label: best.label, confidence: best.confidence, alternatives: rest.slice(0, 3) };
  }

  dispose(): void {
    this.model.dispose();
  }
}

function clampUnit(n: number): number {
  return Number.isFinite(n) ? Math.min(1, Math.max(0, n)) : 0;
}

/** Reads the signflow metadata of a loaded layers model. */
export function recognizerMetadata(model: tf.LayersModel, where: string, fallback?: unknown): RecognizerMetadata {
  const meta = model.getUserDefinedMetadata() as { signflow?: unknown } | undefined;
  const raw = meta?.signflow ?? fallback;
  if (raw === undefined) {
    throw new ModelLoadError(where, 'no labels: save the model with userDefinedMetadata.signflow = { labels: [...] } or put a labels.json beside model.json');
  }
  return parseWith(recognizerMetadataSchema, raw, `${where} metadata`);
}
