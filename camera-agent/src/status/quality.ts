/**
 * Image-quality signals of a camera's physical set-up, from a small gray picture: is it too
 * dark, over-exposed, out of focus? Pure functions over 8-bit gray pixels, row-major.
 */
export interface ImageQuality {
  /** Mean level, 0 (black) … 1 (white). */
  brightness: number;
  /** Variance of the 4-neighbour Laplacian; low = blurred (or a flat scene). */
  blur: number;
  /** Share of pixels at ≥ 250 (clipped highlights), 0 … 1. */
  overExposed: number;
  /** Share of pixels at ≤ 5 (crushed shadows), 0 … 1. */
  underExposed: number;
}

export function brightness(pixels: Uint8Array): number {
  let sum = 0;
  for (const p of pixels) sum += p;
  return pixels.length === 0 ? 0 : sum / pixels.length / 255;
}

export function shareAtLeast(pixels: Uint8Array, level: number): number {
  let n = 0;
  for (const p of pixels) if (p >= level) n++;
  return pixels.length === 0 ? 0 : n / pixels.length;
}

export function shareAtMost(pixels: Uint8Array, level: number): number {
  let n = 0;
  for (const p of pixels) if (p <= level) n++;
  return pixels.length === 0 ? 0 : n / pixels.length;
}

/** Variance of the Laplacian (kernel 0 1 0 / 1 −4 1 / 0 1 0) over the interior pixels. */
export function laplacianVariance(pixels: Uint8Array, width: number, height: number): number {
  if (width < 3 || height < 3) return 0;
  let sum = 0;
  let sumSq = 0;
  let n = 0;
  for (let y = 1; y < height - 1; y++) {
    const row = y * width;
    for (let x = 1; x < width - 1; x++) {
      const i = row + x;
      const v = (pixels[i - 1] ?? 0) + (pixels[i + 1] ?? 0) + (pixels[i - width] ?? 0) + (pixels[i + width] ?? 0) - 4 * (pixels[i] ?? 0);
      sum += v;
      sumSq += v * v;
      n++;
    }
  }
  const mean = sum / n;
  return sumSq / n - mean * mean;
}

export function imageQuality(pixels: Uint8Array, width: number, height: number): ImageQuality {
  return {
    brightness: brightness(pixels),
    blur: laplacianVariance(pixels, width, height),
    overExposed: shareAtLeast(pixels, 250),
    underExposed: shareAtMost(pixels, 5),
  };
}
