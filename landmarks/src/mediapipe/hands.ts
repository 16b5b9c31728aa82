/**
 * MediaPipe Hands on LiteRT: palm detection → hand ROI → hand landmarks, with tracking
 * (hand_landmark_tracking_cpu.pbtxt): while the landmark model keeps finding a hand
 * (presence ≥ threshold), the next frame's ROI comes from this frame's landmarks and palm
 * detection is skipped.
 */
import type { CheckedImage } from '../image.js';
import { createSsdAnchors, PALM_ANCHORS, type Anchor } from '../processing/anchors.js';
import { decodeDetections, nonMaxSuppression, PALM_DECODE } from '../processing/decode.js';
import { associateRects, detectionToRect, transformRect, type Detection, type Point2, type Rect, type Size } from '../processing/geometry.js';
import { decodeLandmarks, decodeWorldLandmarks, handLandmarksToRect, PALM_TO_ROI, removeLandmarkLetterbox } from '../processing/landmarks.js';
import { cropToTensor, projectLandmarks, projectWorldLandmarks, removeLetterbox } from '../processing/transform.js';
import type { Handedness, HandResult, PoseResult } from '../types.js';
import type { TfliteModel } from './runtime.js';

export interface HandPipelineOptions {
  maxHands: number;
  tracking: boolean;
  minDetectionScore: number;
  minPresenceScore: number;
  mirrored: boolean;
  /**
   * While fewer than `maxHands` hands are tracked, look for new ones with the palm detector
   * every this many frames (MediaPipe: every frame = 1).
   */
  newHandCheckEveryFrames: number;
}

const PALM_INPUT = { width: 192, height: 192 };
const HAND_INPUT = { width: 224, height: 224 };
/** The hand landmark model's z is normalized by 0.4 (hand_landmark_cpu.pbtxt). */
const HAND_NORMALIZE_Z = 0.4;
const MIN_SIMILARITY = 0.5;
const NMS_IOU = 0.3;

/** Maps MediaPipe's raw handedness output to the signer's anatomical hand. */
export function anatomicalHandedness(rawLeftScore: number, mirrored: boolean): { handedness: Handedness; score: number } {
  // The model labels hands as seen in a MIRRORED (selfie) image: its "Left" (score ≥ 0.5) is the
  // anatomical left hand only when the image is mirrored; in a plain camera image it is the right hand.
  const modelSaysLeft = rawLeftScore >= 0.5;
  const anatomicalLeft = mirrored ? modelSaysLeft : !modelSaysLeft;
  return { handedness: anatomicalLeft ? 'left' : 'right', score: modelSaysLeft ? rawLeftScore : 1 - rawLeftScore };
}

/**
 * What the same frame's body pose says about hands the tracker does not follow: `uncovered` when
 * a wrist of the pose is visible inside the image and no tracked hand of that side has its wrist
 * there (a hand may have come in), `covered` when every visible wrist has its tracked hand (or
 * none is visible). Sides, not regions: two hands held close share a region but not a side.
 */
export type PoseHandHint = 'uncovered' | 'covered';

/** A hand followed into the next frame: its anatomical side, wrist (pixels) and palm length (wrist → middle knuckle, pixels). */
export interface TrackedHand {
  handedness: Handedness;
  wrist: Point2;
  palm: number;
}

/** BlazePose's wrist landmarks by anatomical side. */
const POSE_WRISTS = [
  [15, 'left'],
  [16, 'right'],
] as const;
const MIN_WRIST_VISIBILITY = 0.5;
/** With the pose saying no hand is missing, the new-hand check runs this many times less often. */
export const COVERED_CHECK_FACTOR = 6;

export function poseHandHint(pose: PoseResult, tracked: readonly TrackedHand[], image: Size): PoseHandHint {
  for (const [i, side] of POSE_WRISTS) {
    const w = pose.landmarks[i];
    if (!w || !(w.visibility >= MIN_WRIST_VISIBILITY)) continue;
    if (w.x < 0 || w.y < 0 || w.x >= image.width || w.y >= image.height) continue;
    const followed = tracked.some((h) => h.handedness === side && Math.hypot(h.wrist.x - w.x, h.wrist.y - w.y) <= Math.max(h.palm, 8));
    if (!followed) return 'uncovered';
  }
  return 'covered';
}

/**
 * Whether this frame runs the palm detector. No tracked hand: every frame, unless the pose shows
 * no visible wrist in the image (hands down or out of view, as between signs): then every
 * `everyFrames` frames, and at once when a wrist comes into view. All `maxHands` tracked: never.
 * In between, the new-hand check runs every `everyFrames` frames, except that a pose hint changes
 * it: a wrist that just became uncovered triggers it at once (a hand entering is picked up on its
 * first frame), and while the pose shows no uncovered wrist it runs `COVERED_CHECK_FACTOR` times
 * less often (a safety net for the pose missing a hand).
 */
export function needsPalmDetection(s: { tracked: number; maxHands: number; framesSinceDetection: number; everyFrames: number; hint: PoseHandHint | undefined; previousHint: PoseHandHint | undefined }): boolean {
  const due = s.framesSinceDetection + 1;
  if (s.tracked === 0) return s.hint !== 'covered' || s.previousHint !== 'covered' || due >= s.everyFrames;
  if (s.tracked >= s.maxHands) return false;
  if (s.hint === 'uncovered') return s.previousHint !== 'uncovered' || due >= s.everyFrames;
  if (s.hint === 'covered') return due >= s.everyFrames * COVERED_CHECK_FACTOR;
  return due >= s.everyFrames;
}

export interface HandStageTimings {
  palmDetectionMs: number;
  handLandmarkMs: number;
}

export class HandPipeline {
  private readonly anchors: Anchor[] = createSsdAnchors(PALM_ANCHORS);
  private prevRects: Rect[] = [];
  private framesSinceDetection = Infinity;
  private previousHint: PoseHandHint | undefined;
  private prevHands: TrackedHand[] = [];
  private readonly palmIn = new Float32Array(PALM_INPUT.width * PALM_INPUT.height * 3);
  private readonly handIn = new Float32Array(HAND_INPUT.width * HAND_INPUT.height * 3);
  private readonly palmOut: { boxes: number; scores: number };
  private readonly handOut: { landmarks: number; presence: number; handedness: number; world: number };

  constructor(
    private readonly palm: TfliteModel,
    private readonly landmark: TfliteModel,
    private readonly options: HandPipelineOptions,
  ) {
    this.palmOut = {
      boxes: outputIndex(palm, (s) => s.length === 3 && s[2] === 18, 'palm boxes [1, 2016, 18]'),
      scores: outputIndex(palm, (s) => s.length === 3 && s[2] === 1, 'palm scores [1, 2016, 1]'),
    };
    // hand_landmark_*.tflite: Identity = screen landmarks, Identity_1 = hand presence,
    // Identity_2 = handedness, Identity_3 = world landmarks (hand_landmark_cpu.pbtxt order).
    this.handOut = {
      landmarks: outputIndex(landmark, (s, n) => s[1] === 63 && n === 'Identity', 'hand landmarks Identity [1, 63]'),
      presence: outputIndex(landmark, (s, n) => s[1] === 1 && n === 'Identity_1', 'hand presence Identity_1 [1, 1]'),
      handedness: outputIndex(landmark, (s, n) => s[1] === 1 && n === 'Identity_2', 'handedness Identity_2 [1, 1]'),
      world: outputIndex(landmark, (s, n) => s[1] === 63 && n === 'Identity_3', 'world landmarks Identity_3 [1, 63]'),
    };
  }

  reset(): void {
    this.prevRects = [];
    this.framesSinceDetection = Infinity;
    this.previousHint = undefined;
    this.prevHands = [];
  }

  /** The hands followed from the previous frame (empty when not tracking). */
  trackedHands(): readonly TrackedHand[] {
    return this.options.tracking ? this.prevHands : [];
  }

  async detectPalms(image: CheckedImage): Promise<Detection[]> {
    const input = cropToTensor(image, undefined, PALM_INPUT, [0, 1], this.palmIn);
    const out = await this.palm.run([input.data]);
    const raw = decodeDetections(out[this.palmOut.boxes] as Float32Array, out[this.palmOut.scores] as Float32Array, this.anchors, PALM_DECODE, this.options.minDetectionScore);
    const kept = nonMaxSuppression(raw, this.options.maxHands, NMS_IOU, 'weighted');
    return kept.map((d) => ({
      score: d.score,
      box: (() => {
        const a = removeLetterbox({ x: d.box.xMin, y: d.box.yMin }, input.padding);
        const b = removeLetterbox({ x: d.box.xMax, y: d.box.yMax }, input.padding);
        return { xMin: a.x, yMin: a.y, xMax: b.x, yMax: b.y };
      })(),
      keypoints: d.keypoints.map((p) => removeLetterbox(p, input.padding)),
    }));
  }

  /** Landmarks of the hand in a normalized ROI, or null when the model finds no hand there. */
  async landmarksInRect(image: CheckedImage, rect: Rect): Promise<{ hand: HandResult; normalized: { x: number; y: number; z: number }[] } | null> {
    const input = cropToTensor(image, rect, HAND_INPUT, [0, 1], this.handIn);
    const out = await this.landmark.run([input.data]);
    const presence = (out[this.handOut.presence] as Float32Array)[0] as number;
    if (!(presence >= this.options.minPresenceScore)) return null;
    const rawHandedness = (out[this.handOut.handedness] as Float32Array)[0] as number;
    const local = removeLandmarkLetterbox(decodeLandmarks(out[this.handOut.landmarks] as Float32Array, 21, HAND_INPUT, HAND_NORMALIZE_Z), input.padding);
    const normalized = projectLandmarks(local, rect);
    const world = projectWorldLandmarks(decodeWorldLandmarks(out[this.handOut.world] as Float32Array, 21), rect);
    const { handedness, score } = anatomicalHandedness(rawHandedness, this.options.mirrored);
    const { width, height } = image;
    return {
      normalized,
      hand: {
        landmarks: normalized.map((p) => ({ x: p.x * width, y: p.y * height, z: p.z * width })),
        worldLandmarks: world.map((p) => ({ x: p.x, y: p.y, z: p.z })),
        handedness,
        handednessScore: score,
        score: presence,
      },
    };
  }

  /** `hint`: from this frame's pose (see poseHandHint), when the pose ran and found a body. */
  async process(image: CheckedImage, timings: HandStageTimings, hint?: PoseHandHint): Promise<{ hands: HandResult[]; tracked: boolean }> {
    const { maxHands, tracking } = this.options;
    const tracked = tracking ? this.prevRects : [];
    const needDetection = needsPalmDetection({
      tracked: tracked.length,
      maxHands,
      framesSinceDetection: this.framesSinceDetection,
      everyFrames: this.options.newHandCheckEveryFrames,
      hint,
      previousHint: this.previousHint,
    });
    this.previousHint = hint;
    let rects = tracked;
    if (needDetection) {
      const t0 = performance.now();
      const palms = await this.detectPalms(image);
      timings.palmDetectionMs += performance.now() - t0;
      this.framesSinceDetection = 0;
      const fromPalms = palms.map((d) => transformRect(detectionToRect(d, image, 0, 2), image, PALM_TO_ROI));
      // Rects tracked from the previous landmarks come last: they win over overlapping new palms.
      rects = associateRects([...fromPalms, ...tracked], MIN_SIMILARITY);
    } else {
      this.framesSinceDetection++;
    }
    const t1 = performance.now();
    const found: { hand: HandResult; normalized: { x: number; y: number; z: number }[] }[] = [];
    for (const rect of rects) {
      const r = await this.landmarksInRect(image, rect);
      if (r) found.push(r);
    }
    timings.handLandmarkMs += performance.now() - t1;
    found.sort((a, b) => b.hand.score - a.hand.score);
    const kept = found.slice(0, maxHands);
    this.prevRects = tracking ? associateRects(kept.map((f) => handLandmarksToRect(f.normalized, image)).reverse(), MIN_SIMILARITY) : [];
    this.prevHands = tracking ? kept.map(({ hand }) => trackedHand(hand)) : [];
    return { hands: kept.map((f) => f.hand), tracked: !needDetection };
  }
}

function trackedHand(hand: HandResult): TrackedHand {
  const wrist = hand.landmarks[0] as Point2;
  const knuckle = hand.landmarks[9] as Point2;
  return { handedness: hand.handedness, wrist: { x: wrist.x, y: wrist.y }, palm: Math.hypot(knuckle.x - wrist.x, knuckle.y - wrist.y) };
}

/** Index of the model output whose shape (and name) match; throws when the model differs. */
export function outputIndex(model: TfliteModel, match: (shape: number[], name: string) => boolean, what: string): number {
  const i = model.outputs.findIndex((o) => match(o.shape, o.name));
  if (i < 0) throw new Error(`${model.source}: no output ${what} (outputs: ${model.outputs.map((o) => `${o.name} [${o.shape.join(', ')}]`).join('; ')})`);
  return i;
}
