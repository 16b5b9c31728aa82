/**
 * Geometry shared by the MediaPipe pipelines: rectangles, detections, angles.
 * Ported from MediaPipe's calculators (Apache-2.0) as re-implemented in TensorFlow.js models
 * (@tensorflow-models/hand-pose-detection and pose-detection, shared/calculators), without
 * tensors: plain numbers in, plain numbers out.
 */

export interface Size {
  width: number;
  height: number;
}

/** A rotated rectangle. Normalized rects use 0..1 of the image; pixel rects use pixels. */
export interface Rect {
  xCenter: number;
  yCenter: number;
  width: number;
  height: number;
  /** Radians, clockwise in image coordinates (y down). */
  rotation: number;
}

export interface BoundingBox {
  xMin: number;
  yMin: number;
  xMax: number;
  yMax: number;
}

export interface Point2 {
  x: number;
  y: number;
}

export interface Point3 extends Point2 {
  z: number;
}

/** A detector output: a box and keypoints, normalized to 0..1 of the model's (letterboxed) input. */
export interface Detection {
  score: number;
  box: BoundingBox;
  keypoints: Point2[];
}

/** Wraps an angle into [-π, π). */
export function normalizeRadians(angle: number): number {
  return angle - 2 * Math.PI * Math.floor((angle + Math.PI) / (2 * Math.PI));
}

export function sigmoid(x: number): number {
  return 1 / (1 + Math.exp(-x));
}

/** Rotation that makes the vector start → end point at `targetAngle` (MediaPipe's DetectionsToRects). */
export function rotationFromPoints(start: Point2, end: Point2, imageSize: Size, targetAngle: number): number {
  const x0 = start.x * imageSize.width;
  const y0 = start.y * imageSize.height;
  const x1 = end.x * imageSize.width;
  const y1 = end.y * imageSize.height;
  return normalizeRadians(targetAngle - Math.atan2(-(y1 - y0), x1 - x0));
}

/**
 * Palm detection → hand rect (PalmDetectionDetectionToRoi, DetectionsToRectsCalculator with
 * a bounding box): the box, rotated so wrist (keypoint 0) → middle-finger MCP (keypoint 2) points up.
 */
export function detectionToRect(detection: Detection, imageSize: Size, startKeypoint: number, endKeypoint: number, targetAngle = Math.PI / 2): Rect {
  const { box } = detection;
  const start = detection.keypoints[startKeypoint];
  const end = detection.keypoints[endKeypoint];
  if (!start || !end) throw new Error(`detection has ${detection.keypoints.length} keypoints, needs ${Math.max(startKeypoint, endKeypoint) + 1}`);
  return {
    xCenter: (box.xMin + box.xMax) / 2,
    yCenter: (box.yMin + box.yMax) / 2,
    width: box.xMax - box.xMin,
    height: box.yMax - box.yMin,
    rotation: rotationFromPoints(start, end, imageSize, targetAngle),
  };
}

/**
 * Alignment points → rect (AlignmentPointsRectsCalculator): centred on the start keypoint, a
 * square of twice the start → end distance, rotated so start → end points up. Used by BlazePose.
 */
export function alignmentPointsToRect(start: Point2, end: Point2, imageSize: Size, targetAngle = Math.PI / 2): Rect {
  const xCenter = start.x * imageSize.width;
  const yCenter = start.y * imageSize.height;
  const xScale = end.x * imageSize.width;
  const yScale = end.y * imageSize.height;
  const boxSize = Math.hypot(xScale - xCenter, yScale - yCenter) * 2;
  return {
    xCenter: xCenter / imageSize.width,
    yCenter: yCenter / imageSize.height,
    width: boxSize / imageSize.width,
    height: boxSize / imageSize.height,
    rotation: rotationFromPoints(start, end, imageSize, targetAngle),
  };
}

export interface RectTransform {
  shiftX: number;
  shiftY: number;
  scaleX: number;
  scaleY: number;
  squareLong?: boolean;
}

/** Shifts (in the rect's rotated frame), squares and scales a normalized rect (RectTransformationCalculator). */
export function transformRect(rect: Rect, imageSize: Size, t: RectTransform): Rect {
  let { width, height } = rect;
  const { rotation } = rect;
  let xCenter: number;
  let yCenter: number;
  if (rotation === 0) {
    xCenter = rect.xCenter + width * t.shiftX;
    yCenter = rect.yCenter + height * t.shiftY;
  } else {
    const xShift = (imageSize.width * width * t.shiftX * Math.cos(rotation) - imageSize.height * height * t.shiftY * Math.sin(rotation)) / imageSize.width;
    const yShift = (imageSize.width * width * t.shiftX * Math.sin(rotation) + imageSize.height * height * t.shiftY * Math.cos(rotation)) / imageSize.height;
    xCenter = rect.xCenter + xShift;
    yCenter = rect.yCenter + yShift;
  }
  if (t.squareLong) {
    const longSide = Math.max(width * imageSize.width, height * imageSize.height);
    width = longSide / imageSize.width;
    height = longSide / imageSize.height;
  }
  return { xCenter, yCenter, width: width * t.scaleX, height: height * t.scaleY, rotation };
}

/** Axis-aligned box of a rect, ignoring rotation (AssociationNormRectCalculator works this way). */
export function rectBounds(rect: Rect): BoundingBox {
  const xMin = rect.xCenter - rect.width / 2;
  const yMin = rect.yCenter - rect.height / 2;
  return { xMin, yMin, xMax: xMin + rect.width, yMax: yMin + rect.height };
}

/** Intersection over union of two boxes (0 when they do not overlap). */
export function iou(a: BoundingBox, b: BoundingBox): number {
  const w = Math.min(a.xMax, b.xMax) - Math.max(a.xMin, b.xMin);
  const h = Math.min(a.yMax, b.yMax) - Math.max(a.yMin, b.yMin);
  if (w <= 0 || h <= 0) return 0;
  const inter = w * h;
  const union = (a.xMax - a.xMin) * (a.yMax - a.yMin) + (b.xMax - b.xMin) * (b.yMax - b.yMin) - inter;
  return union > 0 ? inter / union : 0;
}

/**
 * Merges rect lists in priority order (AssociationNormRectCalculator): a later rect that
 * overlaps an earlier one by more than `minSimilarity` (IoU of the axis-aligned boxes) replaces it.
 */
export function associateRects(rects: readonly Rect[], minSimilarity: number): Rect[] {
  let result: Rect[] = [];
  for (const cur of rects) {
    const box = rectBounds(cur);
    result = result.filter((prev) => iou(box, rectBounds(prev)) <= minSimilarity);
    result.push(cur);
  }
  return result;
}
