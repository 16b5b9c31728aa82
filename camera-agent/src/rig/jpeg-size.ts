/**
 * The largest JPEG ffmpeg's mjpeg encoder makes for a frame, so a rig that could exceed the NATS
 * message limit is refused before it runs. Bytes per pixel were measured on white noise (the
 * worst case for JPEG: nothing to compress) at 4:2:0 with ffmpeg 5.1's mjpeg encoder, plus ~5%
 * margin; real scenes come out 5–10× smaller.
 */
const WORST_BYTES_PER_PIXEL: readonly (readonly [qscale: number, bpp: number])[] = [
  [2, 0.75],
  [3, 0.66],
  [4, 0.6],
  [6, 0.53],
  [8, 0.47],
  [12, 0.39],
  [16, 0.33],
  [24, 0.25],
  [31, 0.2],
];
const HEADER_BYTES = 2048;

/**
 * libjpeg quality (1–100) → ffmpeg mjpeg qscale (2–31). ffmpeg scales the standard (quality 50)
 * tables by qscale/8; libjpeg scales them by (200 − 2q)% above 50 and 5000/q % below.
 */
export function qscaleForQuality(quality: number): number {
  const percent = quality >= 50 ? 200 - 2 * quality : 5000 / quality;
  return Math.min(31, Math.max(2, Math.round((percent / 100) * 8)));
}

function worstBytesPerPixel(qscale: number): number {
  let prev = WORST_BYTES_PER_PIXEL[0] ?? [2, 0.75];
  for (const point of WORST_BYTES_PER_PIXEL) {
    if (qscale <= point[0]) {
      if (point[0] === prev[0]) return point[1];
      const t = (qscale - prev[0]) / (point[0] - prev[0]);
      return prev[1] + t * (point[1] - prev[1]);
    }
    prev = point;
  }
  return prev[1];
}

/** Worst-case size in bytes of one JPEG frame at this size and quality. */
export function maxJpegBytes(width: number, height: number, quality: number): number {
  return Math.ceil(width * height * worstBytesPerPixel(qscaleForQuality(quality))) + HEADER_BYTES;
}

/** The highest quality whose worst case stays within `limit`, or undefined if none does. */
export function highestQualityWithin(width: number, height: number, limit: number): number | undefined {
  for (let q = 100; q >= 1; q--) if (maxJpegBytes(width, height, q) <= limit) return q;
  return undefined;
}
