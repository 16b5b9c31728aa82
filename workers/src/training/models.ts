import * as tf from '@tensorflow/tfjs';
import type { ModelParams } from './params.js';
import { FlatAdam } from './adam.js';
import { FusedGRU } from './fused-gru.js';
import { MultiHeadSelfAttention, PositionalEmbedding, SeededDropout } from './layers.js';

/**
 * Sequence classifiers over landmark features, `[frames, features]` → class probabilities.
 * Every initialiser and dropout draws from `params.seed`, so the same params and data give the
 * same model. Layer names are stable so checkpoints and the Keras baseline line up.
 */
export interface ModelShape {
  frames: number;
  features: number;
  classes: number;
}

export function buildModel(params: ModelParams, shape: ModelShape): tf.LayersModel {
  let seed = params.seed * 1000;
  const next = () => ++seed;
  const glorot = () => tf.initializers.glorotUniform({ seed: next() });
  const input = tf.input({ shape: [shape.frames, shape.features], name: 'landmarks' });
  let x: tf.SymbolicTensor;

  switch (params.architecture) {
    case 'mlp': {
      x = tf.layers.flatten({ name: 'flatten' }).apply(input) as tf.SymbolicTensor;
      for (let i = 0; i < params.layers; i++) {
        x = tf.layers.dense({ units: params.units, activation: 'relu', kernelInitializer: glorot(), name: `dense_${i}` }).apply(x) as tf.SymbolicTensor;
        x = dropout(params, next(), `dropout_${i}`, x);
      }
      break;
    }
    case 'gru': {
      x = input;
      for (let i = 0; i < params.layers; i++) {
        // Sigmoid gates as Keras's GRU (TF.js defaults to hardSigmoid); FusedGRU runs the
        // native GRUBlockCell kernel on tfjs-node and is a plain tf.layers.gru elsewhere.
        x = new FusedGRU({
          units: params.units,
          returnSequences: i < params.layers - 1,
          recurrentActivation: 'sigmoid',
          kernelInitializer: glorot(),
          recurrentInitializer: tf.initializers.glorotUniform({ seed: next() }),
          name: `gru_${i}`,
        }).apply(x) as tf.SymbolicTensor;
        x = dropout(params, next(), `dropout_${i}`, x);
      }
      break;
    }
    case 'tcn': {
      x = input;
      for (let i = 0; i < params.layers; i++) {
        x = tf.layers
          .conv1d({ filters: params.units, kernelSize: params.kernelSize, padding: 'same', activation: 'relu', kernelInitializer: glorot(), name: `conv_${i}` })
          .apply(x) as tf.SymbolicTensor;
        x = dropout(params, next(), `dropout_${i}`, x);
      }
      x = tf.layers.globalAveragePooling1d({ name: 'pool' }).apply(x) as tf.SymbolicTensor;
      break;
    }
    case 'transformer': {
      x = tf.layers.dense({ units: params.units, kernelInitializer: glorot(), name: 'project' }).apply(input) as tf.SymbolicTensor;
      x = new PositionalEmbedding({ frames: shape.frames, units: params.units, seed: next(), name: 'positions' }).apply(x) as tf.SymbolicTensor;
      for (let i = 0; i < params.layers; i++) {
        const attended = new MultiHeadSelfAttention({ units: params.units, heads: params.heads, seed: next(), name: `attention_${i}` }).apply(x) as tf.SymbolicTensor;
        x = tf.layers.add({ name: `attention_residual_${i}` }).apply([x, dropout(params, next(), `attention_dropout_${i}`, attended)]) as tf.SymbolicTensor;
        x = tf.layers.layerNormalization({ name: `attention_norm_${i}` }).apply(x) as tf.SymbolicTensor;
        let ff = tf.layers.dense({ units: params.units * 2, activation: 'relu', kernelInitializer: glorot(), name: `ff_in_${i}` }).apply(x) as tf.SymbolicTensor;
        ff = tf.layers.dense({ units: params.units, kernelInitializer: glorot(), name: `ff_out_${i}` }).apply(ff) as tf.SymbolicTensor;
        x = tf.layers.add({ name: `ff_residual_${i}` }).apply([x, dropout(params, next(), `ff_dropout_${i}`, ff)]) as tf.SymbolicTensor;
        x = tf.layers.layerNormalization({ name: `ff_norm_${i}` }).apply(x) as tf.SymbolicTensor;
      }
      x = tf.layers.globalAveragePooling1d({ name: 'pool' }).apply(x) as tf.SymbolicTensor;
      break;
    }
  }
  const output = tf.layers.dense({ units: shape.classes, activation: 'softmax', kernelInitializer: glorot(), name: 'classes' }).apply(x) as tf.SymbolicTensor;
  return tf.model({ inputs: input, outputs: output, name: `signflow_${params.architecture}` });
}

function dropout(params: ModelParams, seed: number, name: string, x: tf.SymbolicTensor): tf.SymbolicTensor {
  if (params.dropout <= 0) return x;
  return new SeededDropout({ rate: params.dropout, seed, name }).apply(x) as tf.SymbolicTensor;
}

export function compileModel(model: tf.LayersModel, learningRate: number): void {
  model.compile({ optimizer: new FlatAdam(learningRate), loss: 'sparseCategoricalCrossentropy', metrics: ['accuracy'] });
}

export function parameterCount(model: tf.LayersModel): number {
  return model.countParams();
}

/** Frees the weights and the optimizer's slots (model.dispose leaves an optimizer it did not create). */
export function disposeModel(model: tf.LayersModel): void {
  const optimizer = model.optimizer as tf.Optimizer | undefined;
  model.dispose();
  optimizer?.dispose();
}
