import { z } from 'zod';
import { ValidationError } from '../errors.js';

/**
 * Every NATS subject, stream and KV bucket signflow uses, in one place. Ids that become subject
 * tokens (rig, camera, run, model) may not contain dots, spaces or wildcards.
 */
export const subjectToken = z
  .string()
  .min(1)
  .max(64)
  .regex(/^[A-Za-z0-9_-]+$/, 'use letters, digits, "_" or "-" (it becomes a NATS subject token)');

function token(kind: string, value: string): string {
  const result = subjectToken.safeParse(value);
  if (!result.success) {
    throw new ValidationError('NATS subject', [{ path: kind, message: `${JSON.stringify(value)}: ${result.error.issues[0]?.message ?? 'invalid'}` }]);
  }
  return value;
}

export const subjects = {
  /** JPEG frames of one camera of a rig. */
  frames: (rig: string, camera: string) => `signflow.frames.${token('rig', rig)}.${token('camera', camera)}`,
  framesOfRig: (rig: string) => `signflow.frames.${token('rig', rig)}.*`,
  allFrames: 'signflow.frames.>',
  /** Landmark packets of one camera (edge mode or extraction service). */
  landmarks: (rig: string, camera: string) => `signflow.landmarks.${token('rig', rig)}.${token('camera', camera)}`,
  landmarksOfRig: (rig: string) => `signflow.landmarks.${token('rig', rig)}.*`,
  allLandmarks: 'signflow.landmarks.>',
  /** Fused body-frame sequence of a rig. */
  fused: (rig: string) => `signflow.fused.${token('rig', rig)}`,
  allFused: 'signflow.fused.>',
  /** Partial and final captions of a rig. */
  captions: (rig: string) => `signflow.captions.${token('rig', rig)}`,
  allCaptions: 'signflow.captions.>',
  /** Run lifecycle events and per-step progress. */
  runEvents: (runId: string) => `signflow.runs.${token('run', runId)}.events`,
  /** Per-epoch training metrics of a run. */
  runMetrics: (runId: string) => `signflow.runs.${token('run', runId)}.metrics`,
  /** Every run's per-epoch metrics (what a pipeline step may publish; not run events or control). */
  allRunMetrics: 'signflow.runs.*.metrics',
  allRuns: 'signflow.runs.>',
  /** Model registry events (promotion, rollback). */
  modelEvents: (model: string) => `signflow.models.${token('model', model)}.events`,
  /** Every model's registry events (a register/promote step publishes them). */
  allModelEvents: 'signflow.models.*.events',
  allModels: 'signflow.models.>',
  /** Step logs kept by a NATS artifact store: one subject per log, the key base64url-encoded. */
  artifactLog: (bucket: string, encodedKey: string) => `signflow.artifactlogs.${token('bucket', bucket)}.${encodedKey}`,
  artifactLogsOf: (bucket: string) => `signflow.artifactlogs.${token('bucket', bucket)}.*`,
} as const;

export const streams = {
  frames: 'SIGNFLOW_FRAMES',
  landmarks: 'SIGNFLOW_LANDMARKS',
  fused: 'SIGNFLOW_FUSED',
  captions: 'SIGNFLOW_CAPTIONS',
  runs: 'SIGNFLOW_RUNS',
  models: 'SIGNFLOW_MODELS',
} as const;

export const kvBuckets = {
  /** Camera heartbeats: key `<rig>.<camera>`. */
  cameras: 'signflow_cameras',
} as const;

export const objectStores = {
  artifacts: 'signflow_artifacts',
  /** Dataset versions when `datasets.store.kind` is `nats` (the config's default bucket). */
  datasets: 'signflow_datasets',
} as const;

/** Messages on NATS stay far below the server's 1 MB default max_payload. */
export const MAX_MESSAGE_BYTES = 512 * 1024;
