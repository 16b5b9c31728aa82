/**
 * BlazePose on LiteRT: person detection → pose ROI → 33 pose landmarks (+ 2 auxiliary
 * alignment points), with tracking (pose_landmark_cpu.pbtxt): the next frame's ROI comes from
 * this frame's auxiliary landmarks while the pose presence score holds.
 */
import type { CheckedImage } from '../image.js';
import { createSsdAnchors, POSE_ANCHORS, type Anchor } from '../processing/anchors.js';
import { decodeDetections, nonMaxSuppression, POSE_DECODE } from '../processing/decode.js';
import { alignmentPointsToRect, transformRect, type Point2, type Rect } from '../processing/geometry.js';
import { decodeLandmarks, decodeWorldLandmarks, POSE_TO_ROI, poseAlignmentToRect, refineLandmarksFromHeatmap, removeLandmarkLetterbox } from '../processing/landmarks.js';
import { cropToTensor, projectLandmarks, projectWorldLandmarks, removeLetterbox } from '../processing/transform.js';
import type { PoseResult } from '../types.js';
import { outputIndex } from './hands.js';
import type { TfliteModel } from './runtime.js';

export interface PosePipelineOptions {
  tracking: boolean;
  minDetectionScore: number;
  minPresenceScore: number;
}

const DETECTOR_INPUT = { width: 224, height: 224 };
const LANDMARK_INPUT = { width: 256, height: 256 };
const NUM_LANDMARKS = 33;
const NUM_WITH_AUXILIARY = 39;
const HEATMAP_SIZE = 64;

export interface PoseStageTimings {
  poseDetectionMs: number;
  poseLandmarkMs: number;
}

export class PosePipeline {
  private readonly anchors: Anchor[] = createSsdAnchors(POSE_ANCHORS);
  private prevRect: Rect | null = null;
  private readonly detIn = new Float32Array(DETECTOR_INPUT.width * DETECTOR_INPUT.height * 3);
  private readonly lmIn = new Float32Array(LANDMARK_INPUT.width * LANDMARK_INPUT.height * 3);
  private readonly detOut: { boxes: number; scores: number };
  private readonly lmOut: { landmarks: number; presence: number; heatmap: number; world: number };
  /** The outputs read here (not the segmentation mask). */
  private readonly lmKeep: readonly number[];

  constructor(
    private readonly detector: TfliteModel,
    private readonly landmark: TfliteModel,
    private readonly options: PosePipelineOptions,
  ) {
    this.detOut = {
      boxes: outputIndex(detector, (s) => s.length === 3 && s[2] === 12, 'pose boxes [1, 2254, 12]'),
      scores: outputIndex(detector, (s) => s.length === 3 && s[2] === 1, 'pose scores [1, 2254, 1]'),
    };
    this.lmOut = {
      landmarks: outputIndex(landmark, (s) => s.length === 2 && s[1] === NUM_WITH_AUXILIARY * 5, 'pose landmarks [1, 195]'),
      presence: outputIndex(landmark, (s) => s.length === 2 && s[1] === 1, 'pose presence [1, 1]'),
      heatmap: outputIndex(landmark, (s) => s.length === 4 && s[1] === HEATMAP_SIZE && s[3] === NUM_WITH_AUXILIARY, 'heatmap [1, 64, 64, 39]'),
      world: outputIndex(landmark, (s) => s.length === 2 && s[1] === NUM_WITH_AUXILIARY * 3, 'world landmarks [1, 117]'),
    };
    this.lmKeep = Object.values(this.lmOut);
  }

  reset(): void {
    this.prevRect = null;
  }

  /** The best person detection as a normalized pose ROI, or null. */
  async detectPerson(image: CheckedImage): Promise<Rect | null> {
    const input = cropToTensor(image, undefined, DETECTOR_INPUT, [-1, 1], this.detIn);
    const out = await this.detector.run([input.data]);
    const raw = decodeDetections(out[this.detOut.boxes] as Float32Array, out[this.detOut.scores] as Float32Array, this.anchors, POSE_DECODE, this.options.minDetectionScore);
    const best = nonMaxSuppression(raw, 1, 0.3, 'weighted')[0];
    if (!best) return null;
    // Keypoint 0: hip midpoint, 1: a point that scales with the whole body.
    const center = removeLetterbox(best.keypoints[0] as Point2, input.padding);
    const scale = removeLetterbox(best.keypoints[1] as Point2, input.padding);
    return transformRect(alignmentPointsToRect(center, scale, image), image, POSE_TO_ROI);
  }

  async landmarksInRect(image: CheckedImage, rect: Rect): Promise<{ pose: PoseResult; next: Rect } | null> {
    const input = cropToTensor(image, rect, LANDMARK_INPUT, [0, 1], this.lmIn);
    const out = await this.landmark.run([input.data], this.lmKeep);
    const presence = (out[this.lmOut.presence] as Float32Array)[0] as number;
    if (!(presence >= this.options.minPresenceScore)) return null;
    const decoded = decodeLandmarks(out[this.lmOut.landmarks] as Float32Array, NUM_WITH_AUXILIARY, LANDMARK_INPUT);
    const refined = refineLandmarksFromHeatmap(decoded, out[this.lmOut.heatmap] as Float32Array, HEATMAP_SIZE, HEATMAP_SIZE);
    const normalized = projectLandmarks(removeLandmarkLetterbox(refined, input.padding), rect);
    const world = projectWorldLandmarks(decodeWorldLandmarks(out[this.lmOut.world] as Float32Array, NUM_WITH_AUXILIARY).slice(0, NUM_LANDMARKS), rect);
    const { width, height } = image;
    const landmarks = normalized.slice(0, NUM_LANDMARKS).map((p) => ({ x: p.x * width, y: p.y * height, z: p.z * width, visibility: p.visibility ?? 0, presence: p.presence ?? 0 }));
    const next = poseAlignmentToRect(normalized[33] as Point2, normalized[34] as Point2, image);
    return { pose: { landmarks, worldLandmarks: world.map((p) => ({ x: p.x, y: p.y, z: p.z })), score: presence }, next };
  }

  async process(image: CheckedImage, timings: PoseStageTimings): Promise<{ pose: PoseResult | null; tracked: boolean }> {
    let rect = this.options.tracking ? this.prevRect : null;
    const tracked = rect !== null;
    if (!rect) {
      const t0 = performance.now();
      rect = await this.detectPerson(image);
      timings.poseDetectionMs += performance.now() - t0;
      if (!rect) {
        this.prevRect = null;
        return { pose: null, tracked: false };
      }
    }
    const t1 = performance.now();
    const result = await this.landmarksInRect(image, rect);
    timings.poseLandmarkMs += performance.now() - t1;
    this.prevRect = result && this.options.tracking ? result.next : null;
    return { pose: result?.pose ?? null, tracked };
  }
}
