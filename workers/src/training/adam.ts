import * as tf from '@tensorflow/tfjs';

interface NamedTensor {
  name: string;
  tensor: tf.Tensor;
}

/**
 * Adam over all weights at once. tf.train.adam updates each variable with ~14 eager ops and a
 * few scalar uploads; here the gradients are concatenated into one vector, the moments live as
 * two flat vectors, and one update is split back onto the variables: 13 ops plus two per
 * variable, whatever the model. The update is Keras's (`lr·√(1−β₂ᵗ)/(1−β₁ᵗ)·m/(√v+ε)`).
 * It saves and loads as `Adam` with TF.js's weight layout (iteration count, then each variable's
 * first moment, then each second moment), so checkpoints stay standard layers-model files.
 */
export class FlatAdam extends tf.Optimizer {
  static readonly className = 'Adam';
  learningRate: number;
  private readonly beta1: number;
  private readonly beta2: number;
  private readonly epsilon: number;
  private m: tf.Variable | undefined;
  private v: tf.Variable | undefined;
  private sizes: number[] = [];
  private names: string[] = [];
  /** Moments loaded before the first step (from a checkpoint), per variable, TF.js order. */
  private pending: { m: tf.Tensor[]; v: tf.Tensor[] } | undefined;
  private readonly constants: { oneMinusBeta1: tf.Scalar; oneMinusBeta2: tf.Scalar; epsilon: tf.Scalar };
  private views: tf.Tensor[] = [];
  private params: tf.Tensor | undefined;
  private paramIds: object[] = [];

  constructor(learningRate = 0.001, beta1 = 0.9, beta2 = 0.999, epsilon = 1e-7) {
    super();
    this.learningRate = learningRate;
    this.beta1 = beta1;
    this.beta2 = beta2;
    this.epsilon = epsilon;
    this.constants = tf.tidy(() => ({ oneMinusBeta1: tf.keep(tf.scalar(1 - beta1)), oneMinusBeta2: tf.keep(tf.scalar(1 - beta2)), epsilon: tf.keep(tf.scalar(epsilon)) }));
  }

  /** One step over `variables` (always the same list, in the same order) with their gradients. */
  applyFlat(variables: tf.Variable[], gradients: tf.Tensor[]): void {
    this.ensureState(variables);
    const m = this.m as tf.Variable;
    const v = this.v as tf.Variable;
    const t = this.iterations + 1;
    const alpha = (this.learningRate * Math.sqrt(1 - this.beta2 ** t)) / (1 - this.beta1 ** t);
    tf.tidy(() => {
      const g = gradients.length === 1 ? tf.reshape(gradients[0] as tf.Tensor, [-1]) : tf.concat(gradients.map((x) => (x.rank === 1 ? x : tf.reshape(x, [-1]))), 0);
      const { oneMinusBeta1, oneMinusBeta2, epsilon } = this.constants;
      const newM = tf.add(m, tf.mul(tf.sub(g, m), oneMinusBeta1));
      const newV = tf.add(v, tf.mul(tf.sub(tf.square(g), v), oneMinusBeta2));
      m.assign(newM);
      v.assign(newV);
      const step = tf.mul(tf.div(newM, tf.add(tf.sqrt(newV), epsilon)), tf.scalar(alpha));
      const params = tf.keep(tf.sub(this.flatParams(variables), step));
      const parts = variables.length === 1 ? [params] : tf.split(params, this.sizes);
      variables.forEach((variable, i) => {
        const part = parts[i] as tf.Tensor;
        variable.assign(variable.rank === 1 ? part : tf.reshape(part, variable.shape));
      });
      this.params?.dispose();
      this.params = params;
      this.paramIds = variables.map((x) => x.dataId);
    });
    this.incrementIterations();
  }

  /**
   * All weights as one vector, kept between steps so an update is one subtraction; rebuilt when a
   * variable was assigned by anything else since (a loaded checkpoint, setWeights).
   */
  private flatParams(variables: tf.Variable[]): tf.Tensor {
    if (this.params && this.paramIds.length === variables.length && variables.every((x, i) => x.dataId === this.paramIds[i])) return this.params;
    this.params?.dispose();
    this.params = tf.keep(tf.concat(variables.map((x) => (x.rank === 1 ? x : tf.reshape(x, [-1]))), 0));
    this.paramIds = variables.map((x) => x.dataId);
    return this.params;
  }

  /**
   * The flat moment vectors for `variables` (created on first use), and the hyper-parameters:
   * for a caller that runs the same update rule itself (the native dense step) and writes the
   * moments back with `restoreMoments`.
   */
  moments(variables: tf.Variable[]): { m: tf.Variable; v: tf.Variable; beta1: number; beta2: number; epsilon: number } {
    this.ensureState(variables);
    return { m: this.m as tf.Variable, v: this.v as tf.Variable, beta1: this.beta1, beta2: this.beta2, epsilon: this.epsilon };
  }

  /** Takes moments updated elsewhere after `steps` updates (the flat parameter cache is dropped). */
  restoreMoments(m: tf.Tensor, v: tf.Tensor, steps: number): void {
    (this.m as tf.Variable).assign(m);
    (this.v as tf.Variable).assign(v);
    for (let i = 0; i < steps; i++) this.incrementIterations();
    this.params?.dispose();
    this.params = undefined;
    this.paramIds = [];
  }

  applyGradients(variableGradients: tf.NamedTensorMap | NamedTensor[]): void {
    const named = Array.isArray(variableGradients) ? variableGradients : Object.entries(variableGradients).map(([name, tensor]) => ({ name, tensor }));
    const registered = tf.engine().registeredVariables;
    const pairs = named.filter((n) => registered[n.name]?.trainable !== false && registered[n.name] !== undefined);
    this.applyFlat(
      pairs.map((n) => registered[n.name] as tf.Variable),
      pairs.map((n) => n.tensor),
    );
  }

  private ensureState(variables: tf.Variable[]): void {
    const sizes = variables.map((x) => x.size);
    if (this.m && this.v) {
      if (sizes.length !== this.sizes.length || sizes.some((s, i) => s !== this.sizes[i])) {
        throw new Error(`FlatAdam: optimiser state is for ${this.sizes.length} variables, got ${sizes.length} with other sizes`);
      }
      return;
    }
    this.sizes = sizes;
    this.names = variables.map((x) => x.name);
    const total = sizes.reduce((a, b) => a + b, 0);
    const pending = this.pending;
    const flat = (parts: tf.Tensor[] | undefined) =>
      tf.tidy(() => (parts && parts.length === sizes.length ? tf.concat(parts.map((p) => tf.reshape(p, [-1])), 0) : tf.zeros([total])));
    const [m, v] = [flat(pending?.m), flat(pending?.v)];
    this.m = tf.variable(m, false);
    this.v = tf.variable(v, false);
    tf.dispose([m, v]);
    if (pending) tf.dispose([...pending.m, ...pending.v]);
    this.pending = undefined;
  }

  override async getWeights(): Promise<NamedTensor[]> {
    tf.dispose(this.views);
    this.views = [];
    const iterations = await this.saveIterations();
    this.views.push(iterations.tensor);
    if (!this.m || !this.v) {
      if (!this.pending) return [iterations];
      return [iterations, ...this.pending.m.map((tensor, i) => ({ name: `slot_${i}/m`, tensor })), ...this.pending.v.map((tensor, i) => ({ name: `slot_${i}/v`, tensor }))];
    }
    const split = (flat: tf.Variable) => (this.sizes.length === 1 ? [flat.clone()] : tf.split(flat, this.sizes));
    const m = split(this.m);
    const v = split(this.v);
    this.views.push(...m, ...v);
    const name = (i: number) => this.names[i] ?? `slot_${i}`;
    return [iterations, ...m.map((tensor, i) => ({ name: `${name(i)}/m`, tensor })), ...v.map((tensor, i) => ({ name: `${name(i)}/v`, tensor }))];
  }

  override async setWeights(weightValues: NamedTensor[]): Promise<void> {
    const rest = await this.extractIterations(weightValues);
    const half = rest.length / 2;
    tf.dispose([this.m, this.v].filter((x): x is tf.Variable => x !== undefined));
    this.m = undefined;
    this.v = undefined;
    this.pending = { m: rest.slice(0, half).map((w) => tf.clone(w.tensor)), v: rest.slice(half).map((w) => tf.clone(w.tensor)) };
  }

  override dispose(): void {
    tf.dispose([this.m, this.v, this.params, ...this.views, ...Object.values(this.constants), ...(this.pending ? [...this.pending.m, ...this.pending.v] : [])].filter((x): x is tf.Tensor => x !== undefined));
    this.m = undefined;
    this.v = undefined;
    this.params = undefined;
    this.paramIds = [];
    this.views = [];
    this.pending = undefined;
  }

  getConfig(): tf.serialization.ConfigDict {
    return { learningRate: this.learningRate, beta1: this.beta1, beta2: this.beta2, epsilon: this.epsilon };
  }

  static override fromConfig<T extends tf.serialization.Serializable>(cls: tf.serialization.SerializableConstructor<T>, config: tf.serialization.ConfigDict): T {
    return new (cls as unknown as typeof FlatAdam)(config['learningRate'] as number, config['beta1'] as number, config['beta2'] as number, config['epsilon'] as number) as unknown as T;
  }
}

tf.serialization.registerClass(FlatAdam);
