import { SignflowError } from '@signflow/core';

/** A source file (npy, parquet, csv, .pose, video) cannot be read as the format it claims. */
export class DatasetInputError extends SignflowError {
  readonly code = 'DATASET_INPUT';
  constructor(
    readonly file: string,
    detail: string,
    options?: { cause?: unknown },
  ) {
    super(`${file}: ${detail}`, options);
  }
}

/** A sample does not fit the dataset it is written to (shape, layout, NaN, empty). */
export class DatasetSampleError extends SignflowError {
  readonly code = 'DATASET_SAMPLE';
  constructor(
    readonly sample: string,
    detail: string,
    options?: { cause?: unknown },
  ) {
    super(`sample ${sample}: ${detail}`, options);
  }
}

/** A stored dataset version is missing, corrupt or fails its sha256 check. */
export class DatasetStoreError extends SignflowError {
  readonly code = 'DATASET_STORE';
}

/** A dataset reference (`name`, `name@sha256-prefix`, a version id) matches nothing, or more than one version. */
export class DatasetNotFoundError extends SignflowError {
  readonly code = 'DATASET_NOT_FOUND';
  constructor(
    readonly ref: string,
    detail = 'no such dataset or version: list them with `signflow dataset ls`',
  ) {
    super(`dataset ${ref}: ${detail}`);
  }
}

/** Geometry that cannot be solved (too few views, degenerate cameras). */
export class FusionError extends SignflowError {
  readonly code = 'FUSION';
}
