/**
 * Decoding of SSD detector outputs (TensorsToDetectionsCalculator) and non-maximum suppression.
 */
import type { Anchor } from './anchors.js';
import { iou, sigmoid, type Detection } from './geometry.js';

export interface DecodeConfig {
  numBoxes: number;
  /** Values per box in the raw box tensor (4 box values + 2 × keypoints). */
  numCoords: number;
  numKeypoints: number;
  /** Raw values are divided by these (the model input size). */
  xScale: number;
  yScale: number;
  wScale: number;
  hScale: number;
  /** Scores are logits clipped to ±this before the sigmoid. */
  scoreClippingThresh: number;
  minScoreThresh: number;
}

export const PALM_DECODE: DecodeConfig = { numBoxes: 2016, numCoords: 18, numKeypoints: 7, xScale: 192, yScale: 192, wScale: 192, hScale: 192, scoreClippingThresh: 100, minScoreThresh: 0.5 };
export const FACE_DECODE: DecodeConfig = { numBoxes: 896, numCoords: 16, numKeypoints: 6, xScale: 128, yScale: 128, wScale: 128, hScale: 128, scoreClippingThresh: 100, minScoreThresh: 0.5 };
export const POSE_DECODE: DecodeConfig = { numBoxes: 2254, numCoords: 12, numKeypoints: 4, xScale: 224, yScale: 224, wScale: 224, hScale: 224, scoreClippingThresh: 100, minScoreThresh: 0.5 };

/**
 * Turns raw boxes `[numBoxes × numCoords]` (x, y, w, h, then keypoint x, y pairs, relative to
 * the anchors) and raw scores `[numBoxes]` (logits) into detections above `minScoreThresh`.
 * Coordinates come out normalized to the model input (0..1).
 */
export function decodeDetections(rawBoxes: Float32Array, rawScores: Float32Array, anchors: readonly Anchor[], config: DecodeConfig, minScore = config.minScoreThresh): Detection[] {
  if (anchors.length !== config.numBoxes) throw new Error(`${anchors.length} anchors for ${config.numBoxes} boxes`);
  if (rawBoxes.length < config.numBoxes * config.numCoords) throw new Error(`box tensor has ${rawBoxes.length} values, expected ${config.numBoxes * config.numCoords}`);
  if (rawScores.length < config.numBoxes) throw new Error(`score tensor has ${rawScores.length} values, expected ${config.numBoxes}`);
  const out: Detection[] = [];
  const clip = config.scoreClippingThresh;
  for (let i = 0; i < config.numBoxes; i++) {
    const logit = Math.max(-clip, Math.min(clip, rawScores[i] as number));
    const score = sigmoid(logit);
    if (score < minScore) continue;
    const a = anchors[i] as Anchor;
    const o = i * config.numCoords;
    const xCenter = ((rawBoxes[o] as number) / config.xScale) * a.width + a.xCenter;
    const yCenter = ((rawBoxes[o + 1] as number) / config.yScale) * a.height + a.yCenter;
    const w = ((rawBoxes[o + 2] as number) / config.wScale) * a.width;
    const h = ((rawBoxes[o + 3] as number) / config.hScale) * a.height;
    if (w < 0 || h < 0) continue;
    const keypoints = [];
    for (let k = 0; k < config.numKeypoints; k++) {
      const ko = o + 4 + k * 2;
      keypoints.push({
        x: ((rawBoxes[ko] as number) / config.xScale) * a.width + a.xCenter,
        y: ((rawBoxes[ko + 1] as number) / config.yScale) * a.height + a.yCenter,
      });
    }
    out.push({ score, box: { xMin: xCenter - w / 2, yMin: yCenter - h / 2, xMax: xCenter + w / 2, yMax: yCenter + h / 2 }, keypoints });
  }
  return out;
}

/**
 * Non-maximum suppression by IoU, highest score first.
 * - `'hard'`: keep the best box, drop the ones overlapping it (what the TF.js ports do).
 * - `'weighted'`: average each kept box and its keypoints with the boxes it suppresses,
 *   weighted by score (MediaPipe's WEIGHTED algorithm, used by its palm and pose detectors).
 */
export function nonMaxSuppression(detections: readonly Detection[], maxDetections: number, iouThreshold: number, mode: 'hard' | 'weighted' = 'weighted'): Detection[] {
  const remaining = [...detections].sort((a, b) => b.score - a.score);
  const kept: Detection[] = [];
  while (remaining.length > 0 && kept.length < maxDetections) {
    const best = remaining[0] as Detection;
    const overlapping: Detection[] = [];
    const rest: Detection[] = [];
    for (const d of remaining) {
      if (d === best || iou(best.box, d.box) > iouThreshold) overlapping.push(d);
      else rest.push(d);
    }
    if (mode === 'hard' || overlapping.length === 1) {
      kept.push(best);
    } else {
      let total = 0;
      const box = { xMin: 0, yMin: 0, xMax: 0, yMax: 0 };
      const keypoints = best.keypoints.map(() => ({ x: 0, y: 0 }));
      for (const d of overlapping) {
        total += d.score;
        box.xMin += d.box.xMin * d.score;
        box.yMin += d.box.yMin * d.score;
        box.xMax += d.box.xMax * d.score;
        box.yMax += d.box.yMax * d.score;
        d.keypoints.forEach((p, k) => {
          const acc = keypoints[k];
          if (acc) {
            acc.x += p.x * d.score;
            acc.y += p.y * d.score;
          }
        });
      }
      kept.push({
        score: best.score,
        box: { xMin: box.xMin / total, yMin: box.yMin / total, xMax: box.xMax / total, yMax: box.yMax / total },
        keypoints: keypoints.map((p) => ({ x: p.x / total, y: p.y / total })),
      });
    }
    remaining.length = 0;
    remaining.push(...rest);
  }
  return kept;
}
