import { z } from 'zod';

/**
 * Lens undistortion of landmark pixels with a camera's calibration (OpenCV's pinhole model and
 * distortion order k1, k2, p1, p2, k3[, k4, k5, k6]) — the calibration block of the camera
 * agent's rig file.
 */
export const intrinsicsSchema = z
  .object({
    fx: z.number().positive(),
    fy: z.number().positive(),
    cx: z.number(),
    cy: z.number(),
    distortion: z.array(z.number()).max(8).default([0, 0, 0, 0, 0]),
  })
  .strip();
export type Intrinsics = z.output<typeof intrinsicsSchema>;

function coeffs(k: Intrinsics): number[] {
  return Array.from({ length: 8 }, (_, i) => k.distortion[i] ?? 0);
}

/** Applies the distortion model to normalised camera coordinates (x = X/Z, y = Y/Z). */
export function distortNormalized(x: number, y: number, k: Intrinsics): [number, number] {
  const [k1, k2, p1, p2, k3, k4, k5, k6] = coeffs(k) as [number, number, number, number, number, number, number, number];
  const r2 = x * x + y * y;
  const radial = (1 + r2 * (k1 + r2 * (k2 + r2 * k3))) / (1 + r2 * (k4 + r2 * (k5 + r2 * k6)));
  return [x * radial + 2 * p1 * x * y + p2 * (r2 + 2 * x * x), y * radial + p1 * (r2 + 2 * y * y) + 2 * p2 * x * y];
}

/**
 * Removes lens distortion from one pixel: the ideal (pinhole) pixel of the same ray. Iterative
 * inversion as OpenCV's undistortPoints, stopping when the reprojected point is within 1e-9 of
 * the observed one (or after 50 rounds).
 */
export function undistortPixel(u: number, v: number, k: Intrinsics): [number, number] {
  const xd = (u - k.cx) / k.fx;
  const yd = (v - k.cy) / k.fy;
  const [k1, k2, p1, p2, k3, k4, k5, k6] = coeffs(k) as [number, number, number, number, number, number, number, number];
  let x = xd;
  let y = yd;
  for (let i = 0; i < 50; i++) {
    const r2 = x * x + y * y;
    const icdist = (1 + r2 * (k4 + r2 * (k5 + r2 * k6))) / (1 + r2 * (k1 + r2 * (k2 + r2 * k3)));
    const dx = 2 * p1 * x * y + p2 * (r2 + 2 * x * x);
    const dy = p1 * (r2 + 2 * y * y) + 2 * p2 * x * y;
    x = (xd - dx) * icdist;
    y = (yd - dy) * icdist;
    const [rx, ry] = distortNormalized(x, y, k);
    if (Math.abs(rx - xd) + Math.abs(ry - yd) < 1e-12) break;
  }
  return [x * k.fx + k.cx, y * k.fy + k.cy];
}

/**
 * Undistorts x, y of every visible point of a [frames][points][4] array in place. `scale`
 * converts stored x, y to pixels of the calibrated image (width and height for
 * image-normalised coordinates, 1 for pixels).
 */
export function undistortLandmarks(data: Float32Array, k: Intrinsics, scale: { x: number; y: number } = { x: 1, y: 1 }): void {
  for (let o = 0; o < data.length; o += 4) {
    if (!((data[o + 3] ?? 0) > 0)) continue;
    const [u, v] = undistortPixel((data[o] ?? 0) * scale.x, (data[o + 1] ?? 0) * scale.y, k);
    data[o] = u / scale.x;
    data[o + 1] = v / scale.y;
  }
}
