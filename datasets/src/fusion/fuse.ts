import type { LandmarkPacket } from '@signflow/core';
import { mediapipeHand, mediapipePose, type LandmarkLayout } from '../format/layout.js';
import type { CameraModel } from './camera.js';
import { bodyFrame, toBodyFrame, type BodyFrame } from './body-frame.js';
import type { Vec3 } from './linalg.js';
import { triangulate, type Observation, type TriangulateOptions } from './triangulate.js';

/** What a fused rig frame holds: MediaPipe pose 33, then the signer's left and right hand. */
export const FUSED_LAYOUT: LandmarkLayout = {
  id: 'fused-pose33-hands',
  components: [mediapipePose(33), mediapipeHand('left'), mediapipeHand('right')],
};
const POSE = 33;
const HAND = 21;
export const FUSED_POINTS = POSE + 2 * HAND;

export interface FuseStats {
  /** Points triangulated from ≥ 2 views. */
  triangulated: number;
  /** Points seen by fewer than 2 views, or whose views disagreed: left "not detected". */
  missing: number;
  /** Views dropped as reprojection outliers. */
  rejectedViews: number;
  /** Points that used fewer views than saw them (a camera missed or was rejected). */
  degraded: number;
}

/**
 * Triangulates one instant of a rig: the landmark packets of its cameras (pixels, as published)
 * → FUSED_LAYOUT points in the rig frame (metres), visibility = mean weight of the views kept.
 * A pose point's weight is its visibility × the pose score; a hand's is the hand score. Packets
 * of cameras without a calibration are ignored.
 */
export function fusePackets(packets: readonly LandmarkPacket[], cameras: ReadonlyMap<string, CameraModel>, options: TriangulateOptions = {}): { data: Float32Array; stats: FuseStats } {
  const data = new Float32Array(FUSED_POINTS * 4);
  const stats: FuseStats = { triangulated: 0, missing: 0, rejectedViews: 0, degraded: 0 };
  const obs: Observation[][] = Array.from({ length: FUSED_POINTS }, () => []);
  for (const packet of packets) {
    const camera = cameras.get(packet.camera);
    if (!camera) continue;
    if (packet.pose) {
      for (let i = 0; i < POSE; i++) {
        const l = packet.pose.landmarks;
        obs[i]?.push({ camera, u: l[i * 4] ?? Number.NaN, v: l[i * 4 + 1] ?? Number.NaN, weight: (l[i * 4 + 3] ?? 0) * packet.pose.score });
      }
    }
    for (const side of ['left', 'right'] as const) {
      const hand = packet.hands.filter((h) => h.handedness === side).sort((a, b) => b.score - a.score)[0];
      if (!hand) continue;
      const base = POSE + (side === 'left' ? 0 : HAND);
      for (let i = 0; i < HAND; i++) obs[base + i]?.push({ camera, u: hand.landmarks[i * 3] ?? Number.NaN, v: hand.landmarks[i * 3 + 1] ?? Number.NaN, weight: hand.score });
    }
  }
  const viewing = packets.filter((p) => cameras.has(p.camera)).length;
  obs.forEach((views, p) => {
    const usable = views.filter((o) => o.weight >= (options.minWeight ?? 0.1)).length;
    const r = triangulate(views, options);
    if (!r) {
      if (usable > 0) stats.missing++;
      return;
    }
    data.set([r.X[0], r.X[1], r.X[2], Math.min(1, Math.max(0, r.confidence))], p * 4);
    stats.triangulated++;
    stats.rejectedViews += r.rejected.length;
    if (r.views.length < viewing) stats.degraded++;
  });
  return { data, stats };
}

/**
 * Re-expresses fused frames ([frames][FUSED_POINTS][4], rig metres) in the signer's body frame
 * (see bodyFrame), in place. Frames without both shoulders use the nearest frame's body frame;
 * returns false when no frame has them (data untouched).
 */
export function fusedToBodyFrame(data: Float32Array, down: Vec3 = [0, 1, 0]): boolean {
  const frames = data.length / (FUSED_POINTS * 4);
  const point = (f: number, p: number): Vec3 | undefined => {
    const o = (f * FUSED_POINTS + p) * 4;
    return (data[o + 3] ?? 0) > 0 ? [data[o] ?? 0, data[o + 1] ?? 0, data[o + 2] ?? 0] : undefined;
  };
  const frameOf: (BodyFrame | undefined)[] = [];
  for (let f = 0; f < frames; f++) {
    const l = point(f, 11);
    const r = point(f, 12);
    const lh = point(f, 23);
    const rh = point(f, 24);
    const hips: Vec3 | undefined = lh && rh ? [(lh[0] + rh[0]) / 2, (lh[1] + rh[1]) / 2, (lh[2] + rh[2]) / 2] : undefined;
    frameOf.push(l && r ? bodyFrame(l, r, hips, down) : undefined);
  }
  if (frameOf.every((b) => b === undefined)) return false;
  for (let f = 0; f < frames; f++) {
    let bf: BodyFrame | undefined;
    for (let d = 0; bf === undefined && d < frames; d++) bf = frameOf[f - d] ?? frameOf[f + d];
    if (!bf) continue;
    for (let p = 0; p < FUSED_POINTS; p++) {
      const X = point(f, p);
      if (!X) continue;
      const b = toBodyFrame(bf, X);
      data.set(b, (f * FUSED_POINTS + p) * 4);
    }
  }
  return true;
}
