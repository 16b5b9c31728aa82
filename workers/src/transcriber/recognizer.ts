import * as tf from '@tensorflow/tfjs';
import type { CaptionAlternative } from '@signflow/core';
import { featureCount, type FeatureSpec } from '../inference/feature-spec.js';
import { applyStandardizer, type Standardizer } from '../training/data.js';
import { ModelLoadError } from './errors.js';
import { signFeatures, type LiveFrame } from './live-frame.js';

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
  /** The input features of the model (what live frames are turned into). */
  readonly featureSpec: FeatureSpec;
  /** Recognises one sign from its frames, oldest first. */
  recognize(frames: readonly LiveFrame[]): Recognition;
  dispose(): void;
}

/** What a model package gives recognition besides the weights. */
export interface RecognizerPackage {
  labels: readonly string[];
  featureSpec: FeatureSpec;
  /** Per-feature standardisation the model was trained with, (x - mean) / std. */
  standardizer?: Standardizer | undefined;
}

/** A tfjs layers model taking [batch, frames, features] (its feature spec) and giving class probabilities. */
export class TfjsRecognizer implements Recognizer {
  readonly labels: readonly string[];
  readonly featureSpec: FeatureSpec;
  private readonly frames: number;
  private readonly features: number;
  private readonly standardizer: RecognizerPackage['standardizer'];

  constructor(
    readonly name: string,
    readonly version: string,
    private readonly model: tf.LayersModel,
    pkg: RecognizerPackage,
  ) {
    const where = `${name}@${version}`;
    const spec = pkg.featureSpec;
    const features = featureCount(spec);
    const input = model.inputs[0]?.shape;
    const output = model.outputs[0]?.shape;
    if (!input || input.length !== 3 || input[1] !== spec.frames || input[2] !== features) {
      throw new ModelLoadError(where, `its feature spec (layout ${spec.layout.id}) gives [batch, ${spec.frames}, ${features}] but the model takes ${JSON.stringify(input)}`);
    }
    if (!output || output[output.length - 1] !== pkg.labels.length) {
      throw new ModelLoadError(where, `the model has ${String(output?.[output.length - 1])} outputs but ${pkg.labels.length} labels; export the labels with the model`);
    }
    if (pkg.standardizer && (pkg.standardizer.mean.length !== features || pkg.standardizer.std.length !== features)) {
      throw new ModelLoadError(where, `its standardiser has ${pkg.standardizer.mean.length} features, the model ${features}`);
    }
    this.frames = spec.frames;
    this.features = features;
    this.featureSpec = spec;
    this.labels = pkg.labels;
    this.standardizer = pkg.standardizer;
  }

  recognize(frames: readonly LiveFrame[]): Recognition {
    // The training code's standardisation, on the features the training data stacking would give.
    const data = applyStandardizer(signFeatures(frames, this.featureSpec), this.features, this.standardizer);
    const probabilities = tf.tidy(() => {
      const input = tf.tensor3d(data, [1, this.frames, this.features]);
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
