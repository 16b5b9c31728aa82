import { landmarkPacketSchema, roundLandmark, type LandmarkPacket } from '@signflow/core';
import type { DetectorDescription, LandmarkFrame } from './types.js';

export interface PacketContext {
  rig: string;
  camera: string;
  seq: number;
  /** Capture time: nanoseconds since the epoch (bigint or decimal string). */
  captureTimeNs: bigint | string;
  detector: DetectorDescription;
  /** Include world landmarks (metres); off by default to keep packets small. */
  world?: boolean;
}

/** Turns a detector frame into the NATS landmark packet (validated, numbers rounded). */
export function toLandmarkPacket(frame: LandmarkFrame, ctx: PacketContext): LandmarkPacket {
  const r = (v: number) => roundLandmark(v);
  const rw = (v: number) => roundLandmark(v, 4);
  const packet = {
    v: 1,
    rig: ctx.rig,
    camera: ctx.camera,
    seq: ctx.seq,
    captureTimeNs: typeof ctx.captureTimeNs === 'bigint' ? ctx.captureTimeNs.toString() : ctx.captureTimeNs,
    width: frame.width,
    height: frame.height,
    hands: frame.hands.map((h) => ({
      handedness: h.handedness,
      handednessScore: roundLandmark(h.handednessScore, 4),
      score: roundLandmark(h.score, 4),
      landmarks: h.landmarks.flatMap((p) => [r(p.x), r(p.y), r(p.z)]),
      ...(ctx.world ? { worldLandmarks: h.worldLandmarks.flatMap((p) => [rw(p.x), rw(p.y), rw(p.z)]) } : {}),
    })),
    pose: frame.pose
      ? {
          score: roundLandmark(frame.pose.score, 4),
          landmarks: frame.pose.landmarks.flatMap((p) => [r(p.x), r(p.y), r(p.z), roundLandmark(p.visibility, 3)]),
          ...(ctx.world ? { worldLandmarks: frame.pose.worldLandmarks.flatMap((p) => [rw(p.x), rw(p.y), rw(p.z)]) } : {}),
        }
      : null,
    ...(frame.face ? { face: { score: roundLandmark(frame.face.score, 4), landmarks: frame.face.landmarks.flatMap((p) => [r(p.x), r(p.y), r(p.z)]) } } : {}),
    detector: { name: ctx.detector.name, version: ctx.detector.version, models: ctx.detector.models },
    latencyMs: roundLandmark(frame.timings.totalMs, 1),
  };
  return landmarkPacketSchema.parse(packet);
}
