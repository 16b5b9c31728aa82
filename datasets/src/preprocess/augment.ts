import type { Rng } from './random.js';
import { frameAt } from './resample.js';

export interface AugmentParams {
  /** Rotation about the view axis, uniform in ±degrees (default 0 = off). */
  rotationDeg?: number;
  /** Scale factor uniform in [1 − scale, 1 + scale] (default 0 = off). */
  scale?: number;
  /** Time warp strength: the time map's inner control point moves by up to this fraction of the length (default 0 = off). */
  timeWarp?: number;
  /** Probability that a visible point becomes "not detected" in a frame (default 0). */
  dropout?: number;
}

/**
 * One augmented copy of a [frames][points][4] sequence, a pure function of `rng`: rotation and
 * scale about the centroid of the visible points of the whole sequence (about the origin for
 * centred spaces, where the centroid is near 0 anyway), then a monotonic time warp that keeps
 * the length and the end frames, then landmark dropout.
 */
export function augmentLandmarks(data: Float32Array, flags: Uint8Array, points: number, params: AugmentParams, rng: Rng): { data: Float32Array; flags: Uint8Array } {
  const frames = flags.length;
  let out = Float32Array.from(data);
  let outFlags = Uint8Array.from(flags);
  const angle = ((params.rotationDeg ?? 0) * Math.PI) / 180;
  const theta = angle > 0 ? rng.uniform(-angle, angle) : 0;
  const s = (params.scale ?? 0) > 0 ? rng.uniform(1 - (params.scale ?? 0), 1 + (params.scale ?? 0)) : 1;
  if (theta !== 0 || s !== 1) {
    let cx = 0;
    let cy = 0;
    let n = 0;
    for (let o = 0; o < out.length; o += 4) {
      if (!((out[o + 3] ?? 0) > 0)) continue;
      cx += out[o] ?? 0;
      cy += out[o + 1] ?? 0;
      n++;
    }
    if (n > 0) {
      cx /= n;
      cy /= n;
    }
    const c = Math.cos(theta) * s;
    const d = Math.sin(theta) * s;
    for (let o = 0; o < out.length; o += 4) {
      if (!((out[o + 3] ?? 0) > 0)) continue;
      const x = (out[o] ?? 0) - cx;
      const y = (out[o + 1] ?? 0) - cy;
      out[o] = cx + c * x - d * y;
      out[o + 1] = cy + d * x + c * y;
      out[o + 2] = (out[o + 2] ?? 0) * s;
    }
  }
  if ((params.timeWarp ?? 0) > 0 && frames > 2) {
    // Piecewise-linear time map through (0,0), (m, m'), (1,1): m' = m ± warp, kept monotonic.
    const m = 0.5;
    const w = Math.min(0.45, params.timeWarp ?? 0);
    const target = m + rng.uniform(-w, w);
    const warped = new Float32Array(out.length);
    const warpedFlags = new Uint8Array(frames);
    for (let j = 0; j < frames; j++) {
      const u = j / (frames - 1);
      const t = u <= target ? (u / target) * m : m + ((u - target) / (1 - target)) * (1 - m);
      warpedFlags[j] = frameAt(out, outFlags, points, t * (frames - 1), warped, j);
    }
    out = warped;
    outFlags = warpedFlags;
  }
  const p = params.dropout ?? 0;
  if (p > 0) {
    for (let o = 0; o < out.length; o += 4) {
      if ((out[o + 3] ?? 0) > 0 && rng.next() < p) out.fill(0, o, o + 4);
    }
  }
  return { data: out, flags: outFlags };
}
