import { z } from 'zod';
import { subjectToken } from '../nats/subjects.js';

/**
 * Landmark packet: what one camera's landmark extraction publishes on
 * `subjects.landmarks(rig, camera)` for one frame (camera agent edge mode, extraction service),
 * and what the transcriber and fusion read.
 *
 * Conventions (the same as @signflow/landmarks):
 * - x, y are pixels in the frame of `width` x `height` (origin top left, image NOT mirrored);
 *   z is relative depth on the same scale as x (hands: wrist ~ 0; pose: hip midpoint ~ 0),
 *   smaller = closer to the camera.
 * - `handedness` is the signer's anatomical hand ("right" = the signer's right hand), for a
 *   non-mirrored image.
 * - Landmarks travel as flat arrays of numbers, rounded to 0.01 px (see `roundLandmark`):
 *   hands `[x0, y0, z0, x1, y1, z1, ...]` (21 × 3), pose `[x0, y0, z0, v0, ...]` (33 × 4,
 *   v = visibility 0..1). A two-hand + pose packet is about 3 KB of JSON, far below
 *   MAX_MESSAGE_BYTES.
 * - `captureTimeNs` is the capture time in nanoseconds since the Unix epoch as a decimal string
 *   (an int64 does not fit a JSON number exactly).
 */

export const HAND_LANDMARK_COUNT = 21;
export const POSE_LANDMARK_COUNT = 33;
export const FACE_LANDMARK_COUNT = 468;
export const HAND_VALUES_PER_LANDMARK = 3;
export const POSE_VALUES_PER_LANDMARK = 4;

const finite = z.number().finite();
const unit = z.number().min(0).max(1);

export const handednessSchema = z.enum(['left', 'right']);
export type HandednessLabel = z.infer<typeof handednessSchema>;

export const packetHandSchema = z.object({
  handedness: handednessSchema,
  /** Confidence of the handedness label, 0..1. */
  handednessScore: unit,
  /** Hand presence score from the landmark model, 0..1. */
  score: unit,
  /** 21 × (x, y, z), pixels. */
  landmarks: z.array(finite).length(HAND_LANDMARK_COUNT * HAND_VALUES_PER_LANDMARK),
  /** Optional 21 × (x, y, z) in metres, origin near the hand's centre. */
  worldLandmarks: z.array(finite).length(HAND_LANDMARK_COUNT * 3).optional(),
});
export type PacketHand = z.infer<typeof packetHandSchema>;

export const packetPoseSchema = z.object({
  score: unit,
  /** 33 × (x, y, z, visibility), pixels. */
  landmarks: z.array(finite).length(POSE_LANDMARK_COUNT * POSE_VALUES_PER_LANDMARK),
  /** Optional 33 × (x, y, z) in metres, origin at the hip midpoint. */
  worldLandmarks: z.array(finite).length(POSE_LANDMARK_COUNT * 3).optional(),
});
export type PacketPose = z.infer<typeof packetPoseSchema>;

export const packetFaceSchema = z.object({
  score: unit,
  /** 468 × (x, y, z), pixels (MediaPipe FaceMesh order). */
  landmarks: z.array(finite).length(FACE_LANDMARK_COUNT * 3),
});
export type PacketFace = z.infer<typeof packetFaceSchema>;

export const detectorInfoSchema = z.object({
  /** Detector implementation, e.g. "mediapipe-litert". */
  name: z.string().min(1).max(64),
  /** Version of the detector code (the @signflow/landmarks package version). */
  version: z.string().min(1).max(64),
  /** Model files by role, e.g. { palm: "@mediapipe/hands@0.4.1675469240/palm_detection_full.tflite" }. */
  models: z.record(z.string(), z.string().max(200)).default({}),
});
export type DetectorInfo = z.infer<typeof detectorInfoSchema>;

export const landmarkPacketSchema = z.object({
  /** Schema version of this packet. */
  v: z.literal(1).default(1),
  rig: subjectToken,
  camera: subjectToken,
  /** Frame sequence number of this camera (monotonic per camera session). */
  seq: z.number().int().nonnegative(),
  captureTimeNs: z.string().regex(/^\d{1,20}$/, 'nanoseconds since the Unix epoch, as a decimal string'),
  width: z.number().int().positive().max(16384),
  height: z.number().int().positive().max(16384),
  hands: z.array(packetHandSchema).max(4),
  pose: packetPoseSchema.nullable(),
  /** Present when the detector runs with face landmarks (about 12 KB more). */
  face: packetFaceSchema.nullable().optional(),
  detector: detectorInfoSchema,
  /** Milliseconds the extraction took for this frame, if measured. */
  latencyMs: z.number().nonnegative().optional(),
});
export type LandmarkPacket = z.infer<typeof landmarkPacketSchema>;

/** Rounds a coordinate for the wire: 0.01 px is far below any detector's error. */
export function roundLandmark(value: number, decimals = 2): number {
  const f = 10 ** decimals;
  return Math.round(value * f) / f || 0; // no -0 on the wire
}

/** Nanoseconds since the epoch as the packet's decimal string, from a bigint or a ms number. */
export function toCaptureTimeNs(time: bigint | number): string {
  if (typeof time === 'bigint') return time.toString();
  return (BigInt(Math.round(time * 1000)) * 1000n).toString();
}
