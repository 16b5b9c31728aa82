import { z } from 'zod';

const qualitySchema = z.object({
  brightness: z.number(),
  blur: z.number(),
  overExposed: z.number(),
  underExposed: z.number(),
});

/** Multi-view bundle statistics of the whole rig (as seen by this camera's agent). */
export const bundleStatsSchema = z.object({
  cameras: z.array(z.string()),
  toleranceMs: z.number(),
  bundles: z.number(),
  unmatched: z.number(),
  skewMsMean: z.number(),
  skewMsP50: z.number(),
  skewMsP95: z.number(),
  skewMsMax: z.number(),
});
export type BundleStats = z.output<typeof bundleStatsSchema>;

/** One camera's heartbeat in the `kvBuckets.cameras` bucket, key `<rig>.<camera>`. */
export const cameraStatusSchema = z.object({
  rig: z.string(),
  camera: z.string(),
  role: z.string(),
  state: z.enum(['starting', 'streaming', 'backoff', 'ended', 'stopped', 'error']),
  fps: z.number(),
  framesCaptured: z.number(),
  framesSent: z.number(),
  dropped: z.number(),
  buffered: z.number(),
  bufferedBytes: z.number(),
  duplicates: z.number(),
  restarts: z.number(),
  lastFrameTime: z.string().nullable(),
  /** The camera's current error; null while it streams (a recovered error moves to previousError). */
  lastError: z.string().nullable(),
  lastErrorAt: z.string().nullable(),
  /** The last error this camera recovered from, and when frames came again. */
  previousError: z.object({ message: z.string(), at: z.string(), recoveredAt: z.string() }).nullable().default(null),
  /** Source and publish errors since the agent started. */
  errors: z.number().default(0),
  quality: qualitySchema.nullable(),
  /** NATS server clock minus agent clock, ms; null until measured. */
  clockOffsetMs: z.number().nullable(),
  clockUncertaintyMs: z.number().nullable(),
  /** Rig-level bundle statistics; null for a one-camera agent. */
  bundles: bundleStatsSchema.nullable(),
  /** Edge landmark mode: packets published and their size against the JPEGs'; null when off. */
  landmarks: z
    .object({
      mode: z.enum(['off', 'beside', 'only']),
      packets: z.number(),
      skipped: z.number(),
      bytes: z.number(),
      bytesPerPacket: z.number(),
      bytesPerJpeg: z.number(),
      /** Landmark packet bytes ÷ JPEG bytes per frame. */
      bandwidthRatio: z.number().nullable(),
      lastError: z.string().nullable(),
    })
    .nullable()
    .default(null),
  agentVersion: z.string(),
  host: z.string(),
  updatedAt: z.string(),
});
export type CameraStatus = z.output<typeof cameraStatusSchema>;



export function cameraKey(rig: string, camera: string): string {
  return `${rig}.${camera}`;
}
