import { mirrorPermutation, type LandmarkLayout } from '../format/layout.js';
import type { Coordinates } from '../format/manifest.js';

/**
 * Mirrors a [frames][points][4] array left to right: x is reflected (1 − x for
 * image-normalised, width − x for pixels, −x for centred spaces) and left/right points and
 * components swap (`left_hand` ↔ `right_hand`, `left_wrist` ↔ `right_wrist`), so a
 * right-handed sign becomes the same sign made left-handed. Missing points stay missing.
 */
export function mirrorLandmarks(data: Float32Array, layout: LandmarkLayout, coordinates: Coordinates): Float32Array {
  const perm = mirrorPermutation(layout);
  const points = perm.length;
  const frames = data.length / (points * 4);
  const flip =
    coordinates.space === 'image-normalized' ? (x: number) => 1 - x : coordinates.space === 'pixels' ? (x: number) => (coordinates.width ?? 0) - x : (x: number) => -x;
  if (coordinates.space === 'pixels' && coordinates.width === undefined) throw new RangeError('mirroring pixel coordinates needs the image width in the manifest');
  const out = new Float32Array(data.length);
  for (let f = 0; f < frames; f++) {
    for (let p = 0; p < points; p++) {
      const src = (f * points + p) * 4;
      const dst = (f * points + (perm[p] ?? p)) * 4;
      if (!((data[src + 3] ?? 0) > 0)) continue;
      out[dst] = flip(data[src] ?? 0);
      out[dst + 1] = data[src + 1] ?? 0;
      out[dst + 2] = data[src + 2] ?? 0;
      out[dst + 3] = data[src + 3] ?? 0;
    }
  }
  return out;
}
