/**
 * Public types of @signflow/landmarks.
 *
 * Coordinate conventions (the same as the NATS landmark packet in @signflow/core):
 * - `x`, `y`: pixels of the input image, origin top left, x to the right, y down.
 * - `z`: relative depth on the same scale as x (pixels), smaller = closer to the camera.
 *   Hands: origin at the wrist. Pose: origin at the hip midpoint.
 * - World landmarks: metres, origin at the hand's centre (hands) or hip midpoint (pose).
 * - Handedness: the signer's ANATOMICAL hand for a NON-mirrored image (a plain camera, not a
 *   selfie preview). `'right'` is the hand the signer calls their right hand; in a camera facing
 *   the signer it usually appears on the image's left side. If you feed a mirrored (selfie)
 *   image, pass `mirrored: true` in the detector options and the labels stay anatomical.
 */

export type Handedness = 'left' | 'right';

/** An RGB (3 bytes per pixel) or RGBA (4 bytes per pixel) image, rows top to bottom, no padding. */
export interface ImageInput {
  data: Uint8Array | Uint8ClampedArray;
  width: number;
  height: number;
  /** Bytes per pixel; inferred from `data.length` when omitted. */
  channels?: 3 | 4;
}

export interface Landmark {
  x: number;
  y: number;
  z: number;
}

export interface PoseLandmark extends Landmark {
  /** Probability the landmark is visible (not occluded), 0..1. */
  visibility: number;
  /** Probability the landmark is inside the image, 0..1. */
  presence: number;
}

export interface HandResult {
  /** 21 landmarks in MediaPipe order (0 wrist, 1–4 thumb, 5–8 index, 9–12 middle, 13–16 ring, 17–20 pinky). */
  landmarks: Landmark[];
  /** The same 21 points in metres, origin near the hand's centre. */
  worldLandmarks: Landmark[];
  /** The signer's anatomical hand (see the module doc). */
  handedness: Handedness;
  /** Confidence of `handedness`, 0.5..1. */
  handednessScore: number;
  /** Hand presence score of the landmark model, 0..1. */
  score: number;
}

export interface PoseResult {
  /** 33 BlazePose landmarks (0 nose … 11/12 shoulders, 15/16 wrists, 23/24 hips …), anatomical left/right. */
  landmarks: PoseLandmark[];
  /** The same 33 points in metres, origin at the hip midpoint. */
  worldLandmarks: Landmark[];
  /** Pose presence score, 0..1. */
  score: number;
}

export interface FaceResult {
  /** 468 face-mesh landmarks (MediaPipe FaceMesh order: 1 nose tip, 33/263 eye outer corners, 13/14 inner lips …). */
  landmarks: Landmark[];
  /** Face presence score, 0..1. */
  score: number;
}

export interface DetectionTimings {
  /** Milliseconds spent in each stage of this frame. */
  palmDetectionMs: number;
  handLandmarkMs: number;
  poseDetectionMs: number;
  poseLandmarkMs: number;
  faceMs: number;
  totalMs: number;
}

export interface LandmarkFrame {
  timestampMs: number;
  width: number;
  height: number;
  hands: HandResult[];
  pose: PoseResult | null;
  /** The face mesh, when the detector runs with `face: true` (else always null). */
  face: FaceResult | null;
  /** Whether this frame's regions came from the previous frame (tracking) instead of a detector. */
  tracked: { hands: boolean; pose: boolean; face: boolean };
  timings: DetectionTimings;
}

export interface DetectorDescription {
  /** Implementation name, e.g. "mediapipe-litert". */
  name: string;
  /** The @signflow/landmarks version. */
  version: string;
  /** Model files by role → "package@version/file". */
  models: Record<string, string>;
}

export interface LandmarkDetector {
  readonly kind: DetectorKind;
  readonly description: DetectorDescription;
  /**
   * Finds hands and the body pose in one image. Frames of one video must come in order with
   * increasing `timestampMs`; the detector tracks regions from frame to frame unless
   * `tracking: false`. A frame without a person gives `hands: []` and `pose: null`.
   */
  detect(image: ImageInput, timestampMs: number): Promise<LandmarkFrame>;
  /** Forgets the tracked regions (call between unrelated images or videos). */
  reset(): void;
  /** Frees the models' memory. The detector is unusable afterwards. */
  close(): Promise<void>;
}

export type HandModelVariant = 'lite' | 'full';
export type PoseModelVariant = 'lite' | 'full' | 'heavy';

export interface MediaPipeDetectorOptions {
  /** Detect hands (default true). */
  hands?: boolean;
  /** Detect the body pose (default true). */
  pose?: boolean;
  /** Detect the face mesh, 468 landmarks, one face (default false). */
  face?: boolean;
  /** Most hands to return (default 2). */
  maxHands?: number;
  /** Hand landmark model (default 'full'). The palm detector follows it. */
  handModel?: HandModelVariant;
  /** Pose landmark model (default 'full'). */
  poseModel?: PoseModelVariant;
  /** Reuse the previous frame's regions and skip detection while tracking holds (default true). */
  tracking?: boolean;
  /** Minimum palm / person detection score (default 0.5). */
  minDetectionScore?: number;
  /** Minimum landmark-model presence score to accept a hand or pose and keep tracking it (default 0.5). */
  minPresenceScore?: number;
  /**
   * While fewer than `maxHands` hands are tracked, run the palm detector to look for new hands
   * only every this many frames (default 5; MediaPipe itself checks every frame = 1). Frames
   * with no tracked hand run it every frame. With the pose on, its wrists steer the check: a
   * visible wrist with no tracked hand of its side there triggers it on the frame it appears;
   * while every visible wrist has its tracked hand it runs 6 times less often; and with no hand
   * tracked and no wrist in view (hands down) it runs every this many frames instead of every frame.
   */
  newHandCheckEveryFrames?: number;
  /** The input images are mirrored (selfie view); handedness labels stay anatomical (default false). */
  mirrored?: boolean;
}

export interface StaticDetectorOptions {
  /** Returns the result for a frame; a test double for code that consumes detectors. */
  respond: (image: ImageInput, timestampMs: number) => Pick<LandmarkFrame, 'hands' | 'pose'> & { face?: FaceResult | null };
}

export type DetectorKind = 'mediapipe' | 'static';

export interface DetectorOptionsByKind {
  mediapipe: MediaPipeDetectorOptions;
  static: StaticDetectorOptions;
}
