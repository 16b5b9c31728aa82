/**
 * MediaPipe FaceMesh on LiteRT: BlazeFace (short range) → face ROI → 468 face landmarks, with
 * tracking from the previous landmarks (face_landmark_front_cpu.pbtxt). One face.
 */
import type { CheckedImage } from '../image.js';
import { createSsdAnchors, FACE_ANCHORS, type Anchor } from '../processing/anchors.js';
import { decodeDetections, FACE_DECODE, nonMaxSuppression } from '../processing/decode.js';
import { detectionToRect, sigmoid, transformRect, type Rect } from '../processing/geometry.js';
import { decodeLandmarks, FACE_TO_ROI, faceLandmarksToRect, removeLandmarkLetterbox } from '../processing/landmarks.js';
import { cropToTensor, projectLandmarks, removeLetterbox } from '../processing/transform.js';
import type { FaceResult } from '../types.js';
import { outputIndex } from './hands.js';
import type { TfliteModel } from './runtime.js';

export interface FacePipelineOptions {
  tracking: boolean;
  minDetectionScore: number;
  minPresenceScore: number;
}

const DETECTOR_INPUT = { width: 128, height: 128 };
const LANDMARK_INPUT = { width: 192, height: 192 };
const NUM_LANDMARKS = 468;

export class FacePipeline {
  private readonly anchors: Anchor[] = createSsdAnchors(FACE_ANCHORS);
  private prevRect: Rect | null = null;
  private readonly detIn = new Float32Array(DETECTOR_INPUT.width * DETECTOR_INPUT.height * 3);
  private readonly lmIn = new Float32Array(LANDMARK_INPUT.width * LANDMARK_INPUT.height * 3);
  private readonly detOut: { boxes: number; scores: number };
  private readonly lmOut: { landmarks: number; presence: number };

  constructor(
    private readonly detector: TfliteModel,
    private readonly landmark: TfliteModel,
    private readonly options: FacePipelineOptions,
  ) {
    this.detOut = {
      boxes: outputIndex(detector, (s) => s.length === 3 && s[2] === 16, 'face boxes [1, 896, 16]'),
      scores: outputIndex(detector, (s) => s.length === 3 && s[2] === 1, 'face scores [1, 896, 1]'),
    };
    this.lmOut = {
      landmarks: outputIndex(landmark, (s) => s[s.length - 1] === NUM_LANDMARKS * 3, 'face landmarks [1, 1, 1, 1404]'),
      presence: outputIndex(landmark, (s) => s[s.length - 1] === 1, 'face presence [1, 1, 1, 1]'),
    };
  }

  reset(): void {
    this.prevRect = null;
  }

  /** The best face detection as a normalized face ROI (rotated so the eyes are level), or null. */
  async detectFace(image: CheckedImage): Promise<Rect | null> {
    const input = cropToTensor(image, undefined, DETECTOR_INPUT, [-1, 1], this.detIn);
    const out = await this.detector.run([input.data]);
    const raw = decodeDetections(out[this.detOut.boxes] as Float32Array, out[this.detOut.scores] as Float32Array, this.anchors, FACE_DECODE, this.options.minDetectionScore);
    const best = nonMaxSuppression(raw, 1, 0.3, 'weighted')[0];
    if (!best) return null;
    const a = removeLetterbox({ x: best.box.xMin, y: best.box.yMin }, input.padding);
    const b = removeLetterbox({ x: best.box.xMax, y: best.box.yMax }, input.padding);
    // Keypoints 0 and 1: the eyes.
    const detection = { score: best.score, box: { xMin: a.x, yMin: a.y, xMax: b.x, yMax: b.y }, keypoints: best.keypoints.map((p) => removeLetterbox(p, input.padding)) };
    return transformRect(detectionToRect(detection, image, 0, 1, 0), image, FACE_TO_ROI);
  }

  async process(image: CheckedImage): Promise<{ face: FaceResult | null; tracked: boolean }> {
    let rect = this.options.tracking ? this.prevRect : null;
    const tracked = rect !== null;
    if (!rect) rect = await this.detectFace(image);
    if (!rect) {
      this.prevRect = null;
      return { face: null, tracked: false };
    }
    const input = cropToTensor(image, rect, LANDMARK_INPUT, [0, 1], this.lmIn);
    const out = await this.landmark.run([input.data]);
    // The face flag is a logit (face_landmark_cpu.pbtxt applies a sigmoid).
    const presence = sigmoid((out[this.lmOut.presence] as Float32Array)[0] as number);
    if (!(presence >= this.options.minPresenceScore)) {
      this.prevRect = null;
      return { face: null, tracked };
    }
    const local = removeLandmarkLetterbox(decodeLandmarks(out[this.lmOut.landmarks] as Float32Array, NUM_LANDMARKS, LANDMARK_INPUT), input.padding);
    const normalized = projectLandmarks(local, rect);
    this.prevRect = this.options.tracking ? faceLandmarksToRect(normalized, image) : null;
    const { width, height } = image;
    return { face: { landmarks: normalized.map((p) => ({ x: p.x * width, y: p.y * height, z: p.z * width })), score: presence }, tracked };
  }
}
