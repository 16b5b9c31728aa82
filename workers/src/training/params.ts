import { z } from 'zod';
import { parseWith } from '@signflow/core';

/**
 * Training parameters as a pipeline step receives them. Validated once, here; the rest of the
 * training code trusts the typed value.
 */
export const ARCHITECTURES = ['gru', 'tcn', 'transformer', 'mlp'] as const;
export type Architecture = (typeof ARCHITECTURES)[number];

const earlyStoppingSchema = z
  .object({
    monitor: z.enum(['val_loss', 'val_accuracy']).default('val_loss'),
    patience: z.number().int().min(1).default(8),
    minDelta: z.number().min(0).default(0),
  })
  .strict();

export const modelParamsSchema = z
  .object({
    architecture: z.enum(ARCHITECTURES, {
      error: (issue) => `unknown architecture ${JSON.stringify(issue.input)}: expected one of ${ARCHITECTURES.join(', ')}`,
    }),
    /** Hidden size: GRU units, TCN filters, transformer model width, MLP width. */
    units: z.number().int().min(4).max(1024).default(64),
    layers: z.number().int().min(1).max(8).default(1),
    dropout: z.number().min(0).max(0.9).default(0.2),
    /** Transformer attention heads (must divide units). */
    heads: z.number().int().min(1).max(16).default(4),
    /** TCN kernel width (tfjs has no gradient for dilated conv, so receptive field grows by kernel per layer). */
    kernelSize: z.number().int().min(2).max(15).default(3),
    seed: z.number().int().min(0).default(42),
  })
  .strict()
  .refine((p) => p.architecture !== 'transformer' || p.units % p.heads === 0, {
    message: 'transformer: units must be a multiple of heads',
    path: ['heads'],
  });
export type ModelParams = z.output<typeof modelParamsSchema>;

export const trainParamsSchema = z
  .object({
    model: modelParamsSchema,
    epochs: z.number().int().min(1).max(10_000).default(40),
    batchSize: z.number().int().min(1).max(4096).default(32),
    learningRate: z.number().positive().max(1).default(1e-3),
    /** Multiplies the learning rate after every epoch (1 = constant). */
    learningRateDecay: z.number().positive().max(1).default(1),
    /** Checkpoint to the artifact store every N epochs (and at the end). */
    checkpointEvery: z.number().int().min(1).default(5),
    earlyStopping: earlyStoppingSchema.optional(),
    /** `balanced` weighs each class by n / (classes × count); or explicit weights by class name. */
    classWeights: z.union([z.literal('balanced'), z.record(z.string(), z.number().positive())]).optional(),
    /** Fraction of the data held out for evaluation (test) and for early stopping (validation). */
    testFraction: z.number().min(0.05).max(0.5).default(0.2),
    validationFraction: z.number().min(0).max(0.5).default(0.15),
    /** Resample every sequence to this many frames (needed when lengths differ, e.g. Kaggle ISLR). */
    frames: z.number().int().min(1).max(10_000).optional(),
    /** Standardise each feature with the training split's mean and deviation (kept with the model). */
    standardize: z.boolean().default(true),
  })
  .strict();
export type TrainParams = z.output<typeof trainParamsSchema>;
export type TrainParamsInput = z.input<typeof trainParamsSchema>;

export function parseTrainParams(value: unknown, source = 'training parameters'): TrainParams {
  return parseWith(trainParamsSchema, value, source);
}
