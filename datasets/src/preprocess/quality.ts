import { componentOffsets, type LandmarkLayout } from '../format/layout.js';
import { FrameFlag, type Coordinates, type FrameFlagName } from '../format/manifest.js';
import type { SignSample } from '../format/sample.js';

/** Image measurements of one camera frame (the camera agent's quality signals, or `grayStats`). */
export interface FrameMeasure {
  /** Mean luma, 0–255. */
  brightness?: number;
  /** Variance of the 4-neighbour Laplacian of the gray image: low = blurred. */
  sharpness?: number;
}

export interface QualityThresholds {
  /** Frames darker than this mean luma are `lowLight` (default 40). */
  minBrightness: number;
  /** Frames with a Laplacian variance under this are `blur` (default 50, for ~160 px wide thumbnails). */
  minSharpness: number;
  /** A hand point within this fraction of the image size from the border counts as at the border (default 0.02). */
  borderMargin: number;
}

export const DEFAULT_THRESHOLDS: QualityThresholds = { minBrightness: 40, minSharpness: 50, borderMargin: 0.02 };

/** Mean luma and Laplacian variance of a gray image (row-major, one byte per pixel). */
export function grayStats(gray: Uint8Array, width: number, height: number): Required<FrameMeasure> {
  if (gray.length !== width * height) throw new RangeError(`gray image has ${gray.length} bytes, expected ${width}×${height}`);
  let sum = 0;
  for (const v of gray) sum += v;
  let n = 0;
  let mean = 0;
  let m2 = 0;
  for (let y = 1; y < height - 1; y++) {
    for (let x = 1; x < width - 1; x++) {
      const i = y * width + x;
      const lap = (gray[i - 1] ?? 0) + (gray[i + 1] ?? 0) + (gray[i - width] ?? 0) + (gray[i + width] ?? 0) - 4 * (gray[i] ?? 0);
      n++;
      const d = lap - mean;
      mean += d / n;
      m2 += d * (lap - mean);
    }
  }
  return { brightness: gray.length ? sum / gray.length : 0, sharpness: n > 1 ? m2 / n : 0 };
}

const HAND_COMPONENTS = ['left_hand', 'right_hand', 'hand'];

/**
 * Flags each frame of a sample (returns new flags, the sample's own bits kept):
 * `lowLight` and `blur` from the camera measurements, `handsOut` when a visible hand point
 * lies outside the image or a hand seen at the border in the previous frame is gone,
 * `noLandmarks` when nothing is visible. Image bounds are known for `image-normalized` and
 * for `pixels` with width and height; otherwise only the "lost" rule applies.
 */
export function qualityFlags(
  sample: Pick<SignSample, 'data' | 'flags' | 'frames'>,
  layout: LandmarkLayout,
  coordinates: Coordinates,
  measures: readonly (FrameMeasure | undefined)[] = [],
  thresholds: QualityThresholds = DEFAULT_THRESHOLDS,
): Uint8Array {
  const points = layout.components.reduce((n, c) => n + c.points, 0);
  const flags = Uint8Array.from(sample.flags);
  const bounds =
    coordinates.space === 'image-normalized'
      ? { w: 1, h: 1 }
      : coordinates.space === 'pixels' && coordinates.width && coordinates.height
        ? { w: coordinates.width, h: coordinates.height }
        : undefined;
  const hands = [...componentOffsets(layout)].filter(([name]) => HAND_COMPONENTS.includes(name)).map(([, o]) => o);
  const lastAtBorder = hands.map(() => false);
  for (let f = 0; f < sample.frames; f++) {
    const m = measures[f];
    if (m?.brightness !== undefined && m.brightness < thresholds.minBrightness) flags[f] = (flags[f] ?? 0) | FrameFlag.lowLight;
    if (m?.sharpness !== undefined && m.sharpness < thresholds.minSharpness) flags[f] = (flags[f] ?? 0) | FrameFlag.blur;
    let anyVisible = false;
    for (let p = 0; p < points; p++) if ((sample.data[(f * points + p) * 4 + 3] ?? 0) > 0) anyVisible = true;
    if (!anyVisible) flags[f] = (flags[f] ?? 0) | FrameFlag.noLandmarks;
    hands.forEach((h, i) => {
      let visible = 0;
      let outside = false;
      let atBorder = false;
      for (let p = h.start; p < h.start + h.component.points; p++) {
        const o = (f * points + p) * 4;
        if (!((sample.data[o + 3] ?? 0) > 0)) continue;
        visible++;
        if (!bounds) continue;
        const x = sample.data[o] ?? 0;
        const y = sample.data[o + 1] ?? 0;
        if (x < 0 || y < 0 || x > bounds.w || y > bounds.h) outside = true;
        const mx = thresholds.borderMargin * bounds.w;
        const my = thresholds.borderMargin * bounds.h;
        if (x < mx || y < my || x > bounds.w - mx || y > bounds.h - my) atBorder = true;
      }
      const lost = visible === 0 && lastAtBorder[i] === true;
      if (outside || lost) flags[f] = (flags[f] ?? 0) | FrameFlag.handsOut;
      lastAtBorder[i] = visible > 0 ? atBorder || outside : lastAtBorder[i] === true && lost;
    });
  }
  return flags;
}

/**
 * Removes frames carrying any of the `drop` flags; returns the kept sample (undefined when no
 * frame is left) and the dropped frames counted by flag (a frame counts once per flag it has).
 */
export function dropFlaggedFrames(
  sample: SignSample,
  points: number,
  drop: readonly FrameFlagName[],
): { sample: SignSample | undefined; dropped: Partial<Record<FrameFlagName, number>> } {
  const mask = drop.reduce((m, name) => m | FrameFlag[name], 0);
  const keep: number[] = [];
  const dropped: Partial<Record<FrameFlagName, number>> = {};
  for (let f = 0; f < sample.frames; f++) {
    const bits = sample.flags[f] ?? 0;
    if (bits & mask) {
      for (const name of drop) if (bits & FrameFlag[name]) dropped[name] = (dropped[name] ?? 0) + 1;
    } else keep.push(f);
  }
  if (keep.length === sample.frames) return { sample, dropped };
  if (keep.length === 0) return { sample: undefined, dropped };
  const stride = points * 4;
  const data = new Float32Array(keep.length * stride);
  keep.forEach((f, i) => data.set(sample.data.subarray(f * stride, (f + 1) * stride), i * stride));
  return { sample: { ...sample, data, frames: keep.length, flags: Uint8Array.from(keep.map((f) => sample.flags[f] ?? 0)) }, dropped };
}
