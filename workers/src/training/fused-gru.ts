import * as tf from '@tensorflow/tfjs';
import { gruBlockCell, gruBlockCellGrad, nativeBackend, type NativeBackend } from './native-kernels.js';

/**
 * tf.layers.gru with a fused path on the native backend. TF.js runs a GRU step as ~25 eager ops
 * forward and ~80 with gradients; here a step is one GRUBlockCell kernel forward and one
 * GRUBlockCellGrad backward, and the weight gradients of all steps are two matmuls. The layer
 * keeps the standard GRU's weights (kernel `[features, 3·units]` in z|r|h order, recurrent
 * kernel, bias) and serialises as `GRU`, so saved models load as a plain GRU anywhere.
 * The maths is Keras's `GRU(reset_after=False)` (sigmoid gates, tanh candidate); any
 * configuration the kernel does not cover (other activations, dropout, masks, initial state,
 * goBackwards, stateful, no bias) runs the standard TF.js code.
 */
type Kwargs = Record<string, unknown>;

interface GruCellInternals {
  units: number;
  kernel: tf.LayerVariable;
  recurrentKernel: tf.LayerVariable;
  bias: tf.LayerVariable | null;
  useBias: boolean;
  dropout: number;
  recurrentDropout: number;
  activation: { getClassName(): string };
  recurrentActivation: { getClassName(): string };
}

interface RnnInternals {
  cell: GruCellInternals;
  returnSequences: boolean;
  returnState: boolean;
  goBackwards: boolean;
  stateful: boolean;
}

type GruArgs = Parameters<typeof tf.layers.gru>[0];
const StandardGRU = tf.layers.gru({ units: 1 }).constructor as new (args: GruArgs) => tf.RNN;

export class FusedGRU extends StandardGRU {
  /** Same class name as the TF.js layer: saved models stay plain GRU models. */
  static readonly className = 'GRU';

  override call(inputs: tf.Tensor | tf.Tensor[], kwargs: Kwargs): tf.Tensor | tf.Tensor[] {
    const native = nativeBackend();
    const x = Array.isArray(inputs) ? (inputs.length === 1 ? inputs[0] : undefined) : inputs;
    const self = this as unknown as RnnInternals;
    const cell = self.cell;
    const fusable =
      native !== undefined &&
      x !== undefined &&
      x.rank === 3 &&
      kwargs['mask'] == null &&
      kwargs['initialState'] == null &&
      !self.returnState &&
      !self.goBackwards &&
      !self.stateful &&
      cell.useBias &&
      cell.bias !== null &&
      cell.dropout === 0 &&
      cell.recurrentDropout === 0 &&
      cell.activation.getClassName() === 'tanh' &&
      cell.recurrentActivation.getClassName() === 'sigmoid';
    if (!fusable || !native || !x || !cell.bias) return super.call(inputs, kwargs);
    const bias = cell.bias;
    return tf.tidy(() => fusedGruSequence(native, x as tf.Tensor3D, cell.kernel.read(), cell.recurrentKernel.read(), bias.read(), cell.units, self.returnSequences));
  }
}

tf.serialization.registerClass(FusedGRU as unknown as tf.serialization.SerializableConstructor<tf.serialization.Serializable>);

/**
 * The whole sequence through GRUBlockCell, with a custom gradient. Weights are re-laid out once
 * per call into the kernel's form (w_ru = [x;h]→[r|u], w_c = [x;h]→c); the gradient flows back
 * through that re-layout by the tape.
 */
export function fusedGruSequence(native: NativeBackend, x: tf.Tensor3D, kernel: tf.Tensor, recurrent: tf.Tensor, bias: tf.Tensor, units: number, returnSequences: boolean): tf.Tensor {
  const stacked = tf.concat([kernel, recurrent], 0);
  const [wz, wr, wh] = tf.split(stacked, 3, 1) as [tf.Tensor, tf.Tensor, tf.Tensor];
  const [bz, br, bh] = tf.split(bias, 3, 0) as [tf.Tensor, tf.Tensor, tf.Tensor];
  const wRu = tf.concat([wr, wz], 1);
  const bRu = tf.concat([br, bz], 0);
  const [batch, frames, features] = x.shape;

  const sequence = tf.customGrad((...args: (tf.Tensor | tf.GradSaveFunc)[]) => {
    const [xs, wRuT, wCT, bRuT, bCT] = args as [tf.Tensor3D, tf.Tensor, tf.Tensor, tf.Tensor, tf.Tensor];
    const save = args[5] as tf.GradSaveFunc;
    const timeMajor = tf.transpose(xs, [1, 0, 2]);
    const steps = tf.unstack(timeMajor);
    let h: tf.Tensor = tf.zeros([batch, units]);
    const hPrev: tf.Tensor[] = [];
    const r: tf.Tensor[] = [];
    const u: tf.Tensor[] = [];
    const c: tf.Tensor[] = [];
    const outputs: tf.Tensor[] = [];
    for (const step of steps) {
      hPrev.push(h);
      const [rt, ut, ct, ht] = gruBlockCell(native, [step, h, wRuT, wCT, bRuT, bCT]) as [tf.Tensor, tf.Tensor, tf.Tensor, tf.Tensor];
      r.push(rt);
      u.push(ut);
      c.push(ct);
      outputs.push(ht);
      h = ht;
    }
    save([timeMajor, ...steps, ...hPrev, ...r, ...u, ...c, wRuT, wCT, bRuT, bCT]);
    const value = returnSequences ? tf.stack(outputs, 1) : tf.clone(h);

    const gradFunc = (dy: tf.Tensor, saved: tf.Tensor[]): tf.Tensor[] => {
      const at = (part: number, t: number) => saved[1 + part * frames + t] as tf.Tensor;
      const weights = saved.slice(1 + 5 * frames) as [tf.Tensor, tf.Tensor, tf.Tensor, tf.Tensor];
      const dySteps = returnSequences ? tf.unstack(dy, 1) : undefined;
      let dh: tf.Tensor = dySteps ? (dySteps[frames - 1] as tf.Tensor) : dy;
      const dx: tf.Tensor[] = new Array<tf.Tensor>(frames);
      const dCBar: tf.Tensor[] = new Array<tf.Tensor>(frames);
      const dRuBar: tf.Tensor[] = new Array<tf.Tensor>(frames);
      for (let t = frames - 1; t >= 0; t--) {
        const [dxt, dhPrev, dc, dru] = gruBlockCellGrad(native, [at(0, t), at(1, t), ...weights, at(2, t), at(3, t), at(4, t), dh]) as [tf.Tensor, tf.Tensor, tf.Tensor, tf.Tensor];
        dx[t] = dxt;
        dCBar[t] = dc;
        dRuBar[t] = dru;
        dh = dySteps && t > 0 ? tf.add(dhPrev, dySteps[t - 1] as tf.Tensor) : dhPrev;
      }
      const xFlat = tf.reshape(saved[0] as tf.Tensor, [frames * batch, features]);
      const hPrevAll = tf.concat(saved.slice(1 + frames, 1 + 2 * frames), 0);
      const rAll = tf.concat(saved.slice(1 + 2 * frames, 1 + 3 * frames), 0);
      const dRuAll = tf.concat(dRuBar, 0);
      const dCAll = tf.concat(dCBar, 0);
      const dWRu = tf.matMul(tf.concat([xFlat, hPrevAll], 1), dRuAll, true, false);
      const dWC = tf.matMul(tf.concat([xFlat, tf.mul(hPrevAll, rAll)], 1), dCAll, true, false);
      return [tf.stack(dx, 1), dWRu, dWC, tf.sum(dRuAll, 0), tf.sum(dCAll, 0)];
    };
    return { value, gradFunc };
  });
  return sequence(x, wRu, wh, bRu, bh);
}
