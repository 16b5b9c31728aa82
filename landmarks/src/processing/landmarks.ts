/**
 * Landmark-model outputs → landmarks, and landmarks → the next frame's region (tracking).
 */
import { alignmentPointsToRect, detectionToRect, normalizeRadians, sigmoid, transformRect, type Point2, type Point3, type Rect, type RectTransform, type Size } from './geometry.js';
import type { Padding } from './transform.js';

export interface RawLandmark extends Point3 {
  visibility?: number;
  presence?: number;
}

/**
 * A flat landmark tensor (`numLandmarks × dims`, dims = 3: x, y, z; 5: x, y, z, visibility,
 * presence as logits) in tensor pixels → landmarks normalized to the tensor (TensorsToLandmarks).
 * z is divided by the input width and by `normalizeZ`.
 */
export function decodeLandmarks(raw: Float32Array, numLandmarks: number, inputSize: Size, normalizeZ = 1): RawLandmark[] {
  const dims = raw.length / numLandmarks;
  if (!Number.isInteger(dims) || dims < 3) throw new Error(`landmark tensor of ${raw.length} values does not hold ${numLandmarks} landmarks`);
  const out: RawLandmark[] = [];
  for (let i = 0; i < numLandmarks; i++) {
    const o = i * dims;
    const p: RawLandmark = {
      x: (raw[o] as number) / inputSize.width,
      y: (raw[o + 1] as number) / inputSize.height,
      z: (raw[o + 2] as number) / inputSize.width / normalizeZ,
    };
    if (dims > 3) p.visibility = sigmoid(raw[o + 3] as number);
    if (dims > 4) p.presence = sigmoid(raw[o + 4] as number);
    out.push(p);
  }
  return out;
}

/** World landmarks: metres, no normalization. */
export function decodeWorldLandmarks(raw: Float32Array, numLandmarks: number): Point3[] {
  const dims = raw.length / numLandmarks;
  if (!Number.isInteger(dims) || dims < 3) throw new Error(`world landmark tensor of ${raw.length} values does not hold ${numLandmarks} landmarks`);
  const out: Point3[] = [];
  for (let i = 0; i < numLandmarks; i++) out.push({ x: raw[i * dims] as number, y: raw[i * dims + 1] as number, z: raw[i * dims + 2] as number });
  return out;
}

/** Tensor-normalized landmarks → ROI-normalized (letterbox removed; z scaled like x). */
export function removeLandmarkLetterbox<P extends Point3>(points: readonly P[], padding: Padding): P[] {
  const lr = padding.left + padding.right;
  const tb = padding.top + padding.bottom;
  return points.map((p) => ({ ...p, x: (p.x - padding.left) / (1 - lr), y: (p.y - padding.top) / (1 - tb), z: p.z / (1 - lr) }));
}

/**
 * BlazePose heatmap refinement (RefineLandmarksFromHeatmapCalculator): moves each landmark to
 * the confidence-weighted centre of a `kernelSize` window of its heatmap channel when the
 * window's peak confidence is at least `minConfidence`. `heatmap` is `rows × cols × channels`
 * (NHWC without N) of logits.
 */
export function refineLandmarksFromHeatmap<P extends Point2>(points: readonly P[], heatmap: Float32Array, rows: number, cols: number, kernelSize = 7, minConfidence = 0.5): P[] {
  const channels = heatmap.length / (rows * cols);
  if (channels !== points.length) throw new Error(`heatmap has ${channels} channels for ${points.length} landmarks`);
  const offset = Math.trunc((kernelSize - 1) / 2);
  return points.map((p, i) => {
    const centerCol = Math.trunc(p.x * cols);
    const centerRow = Math.trunc(p.y * rows);
    if (centerCol < 0 || centerCol >= cols || centerRow < 0 || centerRow >= rows) return { ...p };
    const beginCol = Math.max(0, centerCol - offset);
    const endCol = Math.min(cols, centerCol + offset + 1);
    const beginRow = Math.max(0, centerRow - offset);
    const endRow = Math.min(rows, centerRow + offset + 1);
    let sum = 0;
    let wCol = 0;
    let wRow = 0;
    let max = 0;
    for (let r = beginRow; r < endRow; r++) {
      for (let c = beginCol; c < endCol; c++) {
        const conf = sigmoid(heatmap[(r * cols + c) * channels + i] as number);
        sum += conf;
        max = Math.max(max, conf);
        wCol += c * conf;
        wRow += r * conf;
      }
    }
    if (max >= minConfidence && sum > 0) return { ...p, x: wCol / cols / sum, y: wRow / rows / sum };
    return { ...p };
  });
}

/** Hand ROI from the previous frame's landmarks (HandLandmarkLandmarksToRoi). */
export const HAND_LANDMARKS_TO_ROI: RectTransform = { shiftX: 0, shiftY: -0.1, scaleX: 2.0, scaleY: 2.0, squareLong: true };
/** Hand ROI from a palm detection (PalmDetectionDetectionToRoi). */
export const PALM_TO_ROI: RectTransform = { shiftX: 0, shiftY: -0.5, scaleX: 2.6, scaleY: 2.6, squareLong: true };
/** Pose ROI from a person detection or the previous landmarks (PoseDetectionToRoi / PoseLandmarksToRoi). */
export const POSE_TO_ROI: RectTransform = { shiftX: 0, shiftY: 0, scaleX: 1.25, scaleY: 1.25, squareLong: true };

/** The hand landmarks stable across frames: wrist, thumb CMC/MCP/IP... (MCP and PIP of each finger). */
const STABLE_HAND_POINTS = [0, 1, 2, 3, 5, 6, 9, 10, 13, 14, 17, 18];

/**
 * Normalized hand landmarks → the next frame's normalized hand ROI: the rotated bounding box of
 * the stable landmarks (rotation: wrist → mean of index/middle/ring MCPs points up), then
 * expanded by HAND_LANDMARKS_TO_ROI.
 */
export function handLandmarksToRect(landmarks: readonly Point2[], imageSize: Size): Rect {
  const pts = STABLE_HAND_POINTS.map((i) => {
    const p = landmarks[i];
    if (!p) throw new Error(`hand has ${landmarks.length} landmarks, needs 21`);
    return p;
  });
  const [wrist, , , , index, , middle, , ring] = pts as [Point2, Point2, Point2, Point2, Point2, Point2, Point2, Point2, Point2];
  const x0 = wrist.x * imageSize.width;
  const y0 = wrist.y * imageSize.height;
  const x1 = (((index.x + ring.x) / 2 + middle.x) / 2) * imageSize.width;
  const y1 = (((index.y + ring.y) / 2 + middle.y) / 2) * imageSize.height;
  const rotation = normalizeRadians(Math.PI / 2 - Math.atan2(-(y1 - y0), x1 - x0));
  const reverse = normalizeRadians(-rotation);
  let minX = Infinity;
  let maxX = -Infinity;
  let minY = Infinity;
  let maxY = -Infinity;
  for (const p of pts) {
    minX = Math.min(minX, p.x);
    maxX = Math.max(maxX, p.x);
    minY = Math.min(minY, p.y);
    maxY = Math.max(maxY, p.y);
  }
  const cx = (maxX + minX) / 2;
  const cy = (maxY + minY) / 2;
  minX = Infinity;
  maxX = -Infinity;
  minY = Infinity;
  maxY = -Infinity;
  const cosR = Math.cos(reverse);
  const sinR = Math.sin(reverse);
  for (const p of pts) {
    const ox = (p.x - cx) * imageSize.width;
    const oy = (p.y - cy) * imageSize.height;
    const px = ox * cosR - oy * sinR;
    const py = ox * sinR + oy * cosR;
    minX = Math.min(minX, px);
    maxX = Math.max(maxX, px);
    minY = Math.min(minY, py);
    maxY = Math.max(maxY, py);
  }
  const pcx = (maxX + minX) / 2;
  const pcy = (maxY + minY) / 2;
  const cos = Math.cos(rotation);
  const sin = Math.sin(rotation);
  const raw: Rect = {
    xCenter: (pcx * cos - pcy * sin + imageSize.width * cx) / imageSize.width,
    yCenter: (pcx * sin + pcy * cos + imageSize.height * cy) / imageSize.height,
    width: (maxX - minX) / imageSize.width,
    height: (maxY - minY) / imageSize.height,
    rotation,
  };
  return transformRect(raw, imageSize, HAND_LANDMARKS_TO_ROI);
}

/**
 * Pose ROI from the two BlazePose auxiliary landmarks (33: hip midpoint = centre, 34: scale
 * point above the head), as PoseLandmarksToRoi does.
 */
export function poseAlignmentToRect(center: Point2, scale: Point2, imageSize: Size): Rect {
  return transformRect(alignmentPointsToRect(center, scale, imageSize), imageSize, POSE_TO_ROI);
}

/** Face ROI from a detection or the previous landmarks (FaceDetectionFrontDetectionToRoi / FaceLandmarkLandmarksToRoi). */
export const FACE_TO_ROI: RectTransform = { shiftX: 0, shiftY: 0, scaleX: 1.5, scaleY: 1.5, squareLong: true };

/**
 * Face mesh landmarks → the next frame's face ROI: their bounding box, rotated so the line
 * from landmark 33 (one eye's outer corner) to 263 (the other's) is horizontal, expanded by FACE_TO_ROI.
 */
export function faceLandmarksToRect(landmarks: readonly Point2[], imageSize: Size): Rect {
  let xMin = Infinity;
  let yMin = Infinity;
  let xMax = -Infinity;
  let yMax = -Infinity;
  for (const p of landmarks) {
    xMin = Math.min(xMin, p.x);
    xMax = Math.max(xMax, p.x);
    yMin = Math.min(yMin, p.y);
    yMax = Math.max(yMax, p.y);
  }
  const raw = detectionToRect({ score: 1, box: { xMin, yMin, xMax, yMax }, keypoints: [...landmarks] }, imageSize, 33, 263, 0);
  return transformRect(raw, imageSize, FACE_TO_ROI);
}
