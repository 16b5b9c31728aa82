import * as tf from '@tensorflow/tfjs';

/**
 * Layers tfjs-layers lacks, registered for serialisation so an exported model loads anywhere
 * this module is imported. Each is small tensor code that tidies what it allocates.
 */

type Kwargs = Record<string, unknown>;

interface SeededDropoutArgs {
  rate: number;
  seed: number;
  name?: string;
}

/**
 * Dropout whose mask sequence follows a seed: tf.layers.dropout with a seed reuses one mask
 * forever, without one it draws from Math.random and runs are not reproducible.
 */
export class SeededDropout extends tf.layers.Layer {
  static readonly className = 'SeededDropout';
  private readonly rate: number;
  private readonly seed: number;
  private calls = 0;

  constructor(args: SeededDropoutArgs) {
    super(args);
    this.rate = args.rate;
    this.seed = args.seed;
  }

  override call(inputs: tf.Tensor | tf.Tensor[], kwargs: Kwargs): tf.Tensor {
    const x = Array.isArray(inputs) ? inputs[0] : inputs;
    if (x === undefined) throw new Error('SeededDropout: no input');
    if (kwargs['training'] !== true || this.rate <= 0) return x.clone();
    return tf.dropout(x, this.rate, undefined, this.nextMaskSeed());
  }

  get dropRate(): number {
    return this.rate;
  }

  /** The seed of the next training call's mask; advances the sequence as a training call does. */
  nextMaskSeed(): number {
    this.calls += 1;
    return this.seed * 1_000_003 + this.calls;
  }

  override getConfig(): tf.serialization.ConfigDict {
    return { ...super.getConfig(), rate: this.rate, seed: this.seed };
  }
}

interface PositionalEmbeddingArgs {
  frames: number;
  units: number;
  seed: number;
  name?: string;
}

/** Adds a learned embedding of each frame's position (inputs `[batch, frames, units]`). */
export class PositionalEmbedding extends tf.layers.Layer {
  static readonly className = 'PositionalEmbedding';
  private readonly frames: number;
  private readonly units: number;
  private readonly seed: number;
  private table: tf.LayerVariable | undefined;

  constructor(args: PositionalEmbeddingArgs) {
    super(args);
    this.frames = args.frames;
    this.units = args.units;
    this.seed = args.seed;
  }

  override build(): void {
    this.table = this.addWeight('positions', [this.frames, this.units], 'float32', tf.initializers.randomNormal({ mean: 0, stddev: 0.02, seed: this.seed }));
    this.built = true;
  }

  override call(inputs: tf.Tensor | tf.Tensor[]): tf.Tensor {
    return tf.tidy(() => {
      const x = Array.isArray(inputs) ? inputs[0] : inputs;
      if (x === undefined || this.table === undefined) throw new Error('PositionalEmbedding: not built');
      return tf.add(x, this.table.read());
    });
  }

  override getConfig(): tf.serialization.ConfigDict {
    return { ...super.getConfig(), frames: this.frames, units: this.units, seed: this.seed };
  }
}

interface SelfAttentionArgs {
  units: number;
  heads: number;
  seed: number;
  name?: string;
}

/** Multi-head scaled dot-product self-attention over frames: `[batch, frames, units]` in and out. */
export class MultiHeadSelfAttention extends tf.layers.Layer {
  static readonly className = 'MultiHeadSelfAttention';
  private readonly units: number;
  private readonly heads: number;
  private readonly seed: number;
  private kernels: tf.LayerVariable[] = [];

  constructor(args: SelfAttentionArgs) {
    super(args);
    this.units = args.units;
    this.heads = args.heads;
    this.seed = args.seed;
  }

  override build(): void {
    this.kernels = ['query', 'key', 'value', 'output'].map((name, i) =>
      this.addWeight(name, [this.units, this.units], 'float32', tf.initializers.glorotUniform({ seed: this.seed + i })),
    );
    this.built = true;
  }

  override call(inputs: tf.Tensor | tf.Tensor[]): tf.Tensor {
    return tf.tidy(() => {
      const x = Array.isArray(inputs) ? inputs[0] : inputs;
      const [wq, wk, wv, wo] = this.kernels.map((k) => k.read());
      if (x === undefined || !wq || !wk || !wv || !wo) throw new Error('MultiHeadSelfAttention: not built');
      const [batch, frames] = x.shape as [number, number, number];
      const depth = this.units / this.heads;
      const flat = tf.reshape(x, [batch * frames, this.units]);
      const split = (w: tf.Tensor) => tf.transpose(tf.reshape(tf.matMul(flat as tf.Tensor2D, w as tf.Tensor2D), [batch, frames, this.heads, depth]), [0, 2, 1, 3]);
      const q = split(wq);
      const k = split(wk);
      const v = split(wv);
      const scores = tf.div(tf.matMul(q, k, false, true), Math.sqrt(depth));
      const attended = tf.matMul(tf.softmax(scores), v);
      const merged = tf.reshape(tf.transpose(attended, [0, 2, 1, 3]), [batch * frames, this.units]);
      return tf.reshape(tf.matMul(merged as tf.Tensor2D, wo as tf.Tensor2D), [batch, frames, this.units]);
    });
  }

  override getConfig(): tf.serialization.ConfigDict {
    return { ...super.getConfig(), units: this.units, heads: this.heads, seed: this.seed };
  }
}

tf.serialization.registerClass(SeededDropout);
tf.serialization.registerClass(PositionalEmbedding);
tf.serialization.registerClass(MultiHeadSelfAttention);
