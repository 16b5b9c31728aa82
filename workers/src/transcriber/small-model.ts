import * as tf from '@tensorflow/tfjs';
import { ensureTfBackend } from './backend.js';
import { FEATURE_LAYOUT, FEATURE_SIZE } from './features.js';
import { resampleFrames, TfjsRecognizer, type Recognizer } from './recognizer.js';
import type { RecordedSign } from './replay.js';
import { mulberry32, shuffleInPlace } from '../training/random.js';

export interface SmallModelOptions {
  /** Time axis of the model (frames per sign after resampling). */
  frames?: number;
  epochs?: number;
  seed?: number;
}

/**
 * Trains a small sign classifier (flatten → dense 32 → softmax) on recorded sign sequences.
 * It exists so the live path can run end to end before a registry model is available (tests,
 * bench, the demo's fallback); the registry's production model replaces it through promotion.
 */
export async function trainSmallModel(signs: readonly RecordedSign[], options: SmallModelOptions = {}): Promise<{ model: tf.LayersModel; labels: string[] }> {
  await ensureTfBackend();
  const frames = options.frames ?? 16;
  const labels = [...new Set(signs.map((s) => s.label))].sort();
  const seed = options.seed ?? 7;
  const model = tf.sequential({
    layers: [
      tf.layers.flatten({ inputShape: [frames, FEATURE_SIZE] }),
      tf.layers.dense({ units: 32, activation: 'relu', kernelInitializer: tf.initializers.glorotUniform({ seed }) }),
      tf.layers.dense({ units: labels.length, activation: 'softmax', kernelInitializer: tf.initializers.glorotUniform({ seed: seed + 1 }) }),
    ],
  });
  model.compile({ optimizer: tf.train.adam(0.003), loss: 'categoricalCrossentropy', metrics: ['accuracy'] });
  // A seeded order instead of fit's Math.random shuffle, so the same seed trains the same model.
  const ordered = shuffleInPlace([...signs], mulberry32(seed));
  const data = new Float32Array(ordered.length * frames * FEATURE_SIZE);
  ordered.forEach((sign, i) => {
    const sampled = resampleFrames(
      sign.frames.map((f) => Float32Array.from(f)),
      frames,
    );
    sampled.forEach((frame, t) => data.set(frame, (i * frames + t) * FEATURE_SIZE));
  });
  const xs = tf.tensor3d(data, [ordered.length, frames, FEATURE_SIZE]);
  const ys = tf.oneHot(
    tf.tensor1d(
      ordered.map((s) => labels.indexOf(s.label)),
      'int32',
    ),
    labels.length,
  );
  try {
    await model.fit(xs, ys, { epochs: options.epochs ?? 40, batchSize: 16, shuffle: false, verbose: 0 });
  } finally {
    xs.dispose();
    ys.dispose();
  }
  model.setUserDefinedMetadata({ signflow: { labels, featureLayout: FEATURE_LAYOUT } });
  return { model, labels };
}

/** A recogniser around a freshly trained small model. */
export async function smallRecognizer(signs: readonly RecordedSign[], name: string, version: string, options: SmallModelOptions = {}): Promise<Recognizer> {
  const { model, labels } = await trainSmallModel(signs, options);
  return new TfjsRecognizer(name, version, model, { labels, featureLayout: FEATURE_LAYOUT });
}

