import { SignflowError } from '@signflow/core';

/** Training parameters or data cannot make a model; raised before any epoch runs. */
export class TrainingInputError extends SignflowError {
  readonly code = 'TRAINING_INPUT';
}

/** A checkpoint in the artifact store is missing, corrupt or belongs to other parameters. */
export class CheckpointError extends SignflowError {
  readonly code = 'CHECKPOINT';
}

/** A model name, version or stage the registry does not know. */
export class RegistryError extends SignflowError {
  readonly code = 'REGISTRY';
}
