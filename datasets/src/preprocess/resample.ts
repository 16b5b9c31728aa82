/**
 * Writes the frame at fractional time `t` (in input frames) of a [frames][points][4] sequence
 * into `out` at frame `j`, by linear interpolation. A point missing (visibility 0) on either side
 * takes the nearer input frame as it is, so a missing landmark is never blended with a real one.
 * Returns the nearer frame's flags.
 */
export function frameAt(data: Float32Array, flags: Uint8Array, points: number, t: number, out: Float32Array, j: number): number {
  const frames = flags.length;
  const stride = points * 4;
  const clamped = Math.min(Math.max(t, 0), frames - 1);
  const i0 = Math.floor(clamped);
  const i1 = Math.min(i0 + 1, frames - 1);
  const a = clamped - i0;
  const nearest = a < 0.5 ? i0 : i1;
  for (let p = 0; p < points; p++) {
    const o = j * stride + p * 4;
    const b0 = i0 * stride + p * 4;
    const b1 = i1 * stride + p * 4;
    const both = (data[b0 + 3] ?? 0) > 0 && (data[b1 + 3] ?? 0) > 0;
    if (both && a > 0) {
      for (let c = 0; c < 4; c++) out[o + c] = (data[b0 + c] ?? 0) * (1 - a) + (data[b1 + c] ?? 0) * a;
    } else {
      const b = both ? b0 : nearest * stride + p * 4;
      for (let c = 0; c < 4; c++) out[o + c] = data[b + c] ?? 0;
    }
  }
  return flags[nearest] ?? 0;
}

/**
 * Resamples a [frames][points][4] sequence to `length` frames by linear interpolation in time
 * (see frameAt). The first and last frames are kept exactly.
 */
export function resampleFrames(
  data: Float32Array,
  flags: Uint8Array,
  points: number,
  length: number,
): { data: Float32Array; flags: Uint8Array } {
  const frames = flags.length;
  if (!Number.isInteger(length) || length < 1) throw new RangeError(`resample length must be a positive integer, got ${length}`);
  if (data.length !== frames * points * 4) throw new RangeError(`data holds ${data.length} floats, expected ${frames} frames × ${points * 4}`);
  const out = new Float32Array(length * points * 4);
  const outFlags = new Uint8Array(length);
  for (let j = 0; j < length; j++) {
    const t = length === 1 || frames === 1 ? 0 : (j * (frames - 1)) / (length - 1);
    outFlags[j] = frameAt(data, flags, points, t, out, j);
  }
  return { data: out, flags: outFlags };
}
