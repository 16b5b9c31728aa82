/**
 * Resamples a [frames][points][4] sequence to `length` frames by linear interpolation in time.
 * A point missing (visibility 0) on either side of an output instant takes the nearer input
 * frame as it is, so a missing landmark is never blended with a real one. Flags go to the
 * nearer input frame. The first and last frames are kept exactly.
 */
export function resampleFrames(
  data: Float32Array,
  flags: Uint8Array,
  points: number,
  length: number,
): { data: Float32Array; flags: Uint8Array } {
  const frames = flags.length;
  const stride = points * 4;
  if (!Number.isInteger(length) || length < 1) throw new RangeError(`resample length must be a positive integer, got ${length}`);
  if (data.length !== frames * stride) throw new RangeError(`data holds ${data.length} floats, expected ${frames} frames × ${stride}`);
  const out = new Float32Array(length * stride);
  const outFlags = new Uint8Array(length);
  for (let j = 0; j < length; j++) {
    const t = length === 1 || frames === 1 ? 0 : (j * (frames - 1)) / (length - 1);
    const i0 = Math.min(Math.floor(t), frames - 1);
    const i1 = Math.min(i0 + 1, frames - 1);
    const a = t - i0;
    const nearest = a < 0.5 ? i0 : i1;
    outFlags[j] = flags[nearest] ?? 0;
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
  }
  return { data: out, flags: outFlags };
}
