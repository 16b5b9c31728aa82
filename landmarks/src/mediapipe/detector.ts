import { checkImage, flipHorizontal } from '../image.js';
import type { DetectionTimings, LandmarkDetector, LandmarkFrame, MediaPipeDetectorOptions } from '../types.js';
import { LANDMARKS_VERSION } from '../version.js';
import { loadModelFile, type ModelRole } from './assets.js';
import { FacePipeline } from './face.js';
import { HandPipeline, poseHandHint } from './hands.js';
import { PosePipeline } from './pose.js';
import { TfliteModel } from './runtime.js';

export type ResolvedMediaPipeOptions = Required<MediaPipeDetectorOptions>;

export const DEFAULT_MEDIAPIPE_OPTIONS: ResolvedMediaPipeOptions = {
  hands: true,
  pose: true,
  face: false,
  maxHands: 2,
  handModel: 'full',
  poseModel: 'full',
  tracking: true,
  minDetectionScore: 0.5,
  minPresenceScore: 0.5,
  mirrored: false,
  newHandCheckEveryFrames: 5,
};

function validate(options: MediaPipeDetectorOptions): ResolvedMediaPipeOptions {
  const o = { ...DEFAULT_MEDIAPIPE_OPTIONS, ...Object.fromEntries(Object.entries(options).filter(([, v]) => v !== undefined)) } as ResolvedMediaPipeOptions;
  const bad: string[] = [];
  if (!Number.isInteger(o.maxHands) || o.maxHands < 1 || o.maxHands > 4) bad.push(`maxHands must be 1..4, got ${String(o.maxHands)}`);
  if (!['lite', 'full'].includes(o.handModel)) bad.push(`handModel must be "lite" or "full", got ${String(o.handModel)}`);
  if (!['lite', 'full', 'heavy'].includes(o.poseModel)) bad.push(`poseModel must be "lite", "full" or "heavy", got ${String(o.poseModel)}`);
  for (const k of ['minDetectionScore', 'minPresenceScore'] as const) if (!(o[k] >= 0 && o[k] <= 1)) bad.push(`${k} must be 0..1`);
  if (!Number.isInteger(o.newHandCheckEveryFrames) || o.newHandCheckEveryFrames < 1) bad.push('newHandCheckEveryFrames must be a positive integer');
  if (!o.hands && !o.pose && !o.face) bad.push('enable hands, pose or face');
  if (bad.length) throw new Error(`mediapipe detector options: ${bad.join('; ')}`);
  return o;
}

/** Loads the models (from their npm packages) and builds the detector. */
export async function createMediaPipeDetector(options: MediaPipeDetectorOptions): Promise<LandmarkDetector> {
  const o = validate(options);
  const roles: Partial<Record<'palm' | 'hand' | 'poseDetector' | 'poseLandmark' | 'faceDetector' | 'faceLandmark', ModelRole>> = {};
  if (o.hands) {
    roles.palm = o.handModel === 'lite' ? 'palm_lite' : 'palm_full';
    roles.hand = o.handModel === 'lite' ? 'hand_lite' : 'hand_full';
  }
  if (o.pose) {
    roles.poseDetector = 'pose_detector';
    roles.poseLandmark = `pose_${o.poseModel}`;
  }
  if (o.face) {
    roles.faceDetector = 'face_detector';
    roles.faceLandmark = 'face_landmark';
  }
  const models: Record<string, TfliteModel> = {};
  try {
    for (const [key, role] of Object.entries(roles)) {
      const file = loadModelFile(role);
      models[key] = await TfliteModel.load(file.bytes, file.source);
    }
  } catch (err) {
    for (const m of Object.values(models)) m.close();
    throw err;
  }
  return new MediaPipeDetector(o, models);
}

class MediaPipeDetector implements LandmarkDetector {
  readonly kind = 'mediapipe' as const;
  readonly description;
  private readonly hands?: HandPipeline;
  private readonly pose?: PosePipeline;
  private readonly face?: FacePipeline;
  private closed = false;
  private lastTimestamp = -Infinity;

  constructor(
    readonly options: ResolvedMediaPipeOptions,
    private readonly models: Record<string, TfliteModel>,
  ) {
    this.description = {
      name: 'mediapipe-litert',
      version: LANDMARKS_VERSION,
      models: Object.fromEntries(Object.entries(models).map(([k, m]) => [k, m.source])),
    };
    const { palm, hand, poseDetector, poseLandmark, faceDetector, faceLandmark } = models;
    if (faceDetector && faceLandmark) this.face = new FacePipeline(faceDetector, faceLandmark, options);
    if (palm && hand) this.hands = new HandPipeline(palm, hand, { ...options, mirrored: false }); // mirrored input is flipped back before the models
    if (poseDetector && poseLandmark) this.pose = new PosePipeline(poseDetector, poseLandmark, options);
  }

  private queue: Promise<unknown> = Promise.resolve();

  /** Frames are processed one at a time, in call order (tracking state and buffers are shared). */
  detect(image: Parameters<LandmarkDetector['detect']>[0], timestampMs: number): Promise<LandmarkFrame> {
    const run = this.queue.then(() => this.detectNow(image, timestampMs));
    this.queue = run.catch(() => undefined);
    return run;
  }

  private async detectNow(image: Parameters<LandmarkDetector['detect']>[0], timestampMs: number): Promise<LandmarkFrame> {
    if (this.closed) throw new Error('detector is closed');
    let checked = checkImage(image);
    if (!Number.isFinite(timestampMs)) throw new Error(`timestampMs must be a finite number, got ${String(timestampMs)}`);
    // A frame from the past means a new stream: forget the tracked regions.
    if (timestampMs < this.lastTimestamp) this.reset();
    this.lastTimestamp = timestampMs;
    // The models see the image as given; pose left/right and hand labels are anatomical for a
    // non-mirrored image. A mirrored input is flipped back first, and its coordinates flipped after.
    if (this.options.mirrored) checked = flipHorizontal(checked);
    const started = performance.now();
    const timings: DetectionTimings = { palmDetectionMs: 0, handLandmarkMs: 0, poseDetectionMs: 0, poseLandmarkMs: 0, faceMs: 0, totalMs: 0 };
    // Pose first: where its wrists are tells the hand tracker whether a hand may have come in.
    const poseOut = this.pose ? await this.pose.process(checked, timings) : { pose: null, tracked: false };
    const hint = this.hands && poseOut.pose && this.options.tracking ? poseHandHint(poseOut.pose, this.hands.trackedHands(), checked) : undefined;
    const handOut = this.hands ? await this.hands.process(checked, timings, hint) : { hands: [], tracked: false };
    const faceStarted = performance.now();
    const faceOut = this.face ? await this.face.process(checked) : { face: null, tracked: false };
    timings.faceMs = performance.now() - faceStarted;
    timings.totalMs = performance.now() - started;
    if (this.options.mirrored) {
      const w = checked.width;
      for (const h of handOut.hands) for (const p of h.landmarks) p.x = w - p.x;
      for (const h of handOut.hands) for (const p of h.worldLandmarks) p.x = -p.x;
      if (poseOut.pose) {
        for (const p of poseOut.pose.landmarks) p.x = w - p.x;
        for (const p of poseOut.pose.worldLandmarks) p.x = -p.x;
      }
      if (faceOut.face) for (const p of faceOut.face.landmarks) p.x = w - p.x;
    }
    return {
      timestampMs,
      width: checked.width,
      height: checked.height,
      hands: handOut.hands,
      pose: poseOut.pose,
      face: faceOut.face,
      tracked: { hands: handOut.tracked, pose: poseOut.tracked, face: faceOut.tracked },
      timings,
    };
  }

  reset(): void {
    this.hands?.reset();
    this.pose?.reset();
    this.face?.reset();
  }

  close(): Promise<void> {
    if (!this.closed) {
      this.closed = true;
      for (const m of Object.values(this.models)) m.close();
    }
    return Promise.resolve();
  }
}
