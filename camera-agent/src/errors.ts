import { SignflowError } from '@signflow/core';

/** A camera's source (ffmpeg input) could not be opened, stalled, or gave the wrong thing. */
export class CameraSourceError extends SignflowError {
  readonly code = 'CAMERA_SOURCE';
  constructor(
    readonly camera: string,
    detail: string,
    options?: { cause?: unknown },
  ) {
    super(`camera ${camera}: ${detail}`, options);
  }
}

/** The rig file is unreadable, not YAML, or describes a rig the agent must refuse. */
export class RigConfigError extends SignflowError {
  readonly code = 'RIG_CONFIG';
}

/** A frame could not be published (too large, permission denied, stream missing). */
export class FramePublishError extends SignflowError {
  readonly code = 'FRAME_PUBLISH';
  constructor(
    readonly camera: string,
    detail: string,
    options?: { cause?: unknown },
  ) {
    super(`camera ${camera}: ${detail}`, options);
  }
}

/** Checkerboard calibration could not be computed from the captures given. */
export class CalibrationError extends SignflowError {
  readonly code = 'CALIBRATION';
}
