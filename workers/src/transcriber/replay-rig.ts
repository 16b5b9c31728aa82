import { HAND_LANDMARK_COUNT, POSE_LANDMARK_COUNT, roundLandmark, type LandmarkPacket, type PacketHand } from '@signflow/core';
import { FUSED_POINTS, cameraFromCalibration, matVec, rodrigues, type CameraModel, type Vec3 } from '@signflow/datasets';
import { reprojectFused, type ReferenceView } from './live-frame.js';

/**
 * A synthetic calibrated rig for replaying recorded 2-D sign sequences as a multi-camera rig:
 * each MSL-150 frame is lifted to 3-D through the first camera (its pixel ray, at the signer's
 * distance plus the recording's relative depth), and the 3-D points are projected into every
 * camera. The first camera then sees exactly the recording; the others see the same body from
 * their angle. Tests and the bench use it to check fusion end to end.
 */
export interface RigCamera extends ReferenceView {
  id: string;
}

export interface SyntheticRigOptions {
  /** Cameras, the first straight in front of the signer (default 3). */
  count?: number;
  /** Signer's distance from the rig origin along +z, metres (default 2.5). */
  distance?: number;
  /** Angle between neighbouring cameras around the signer, degrees (default 30). */
  spreadDeg?: number;
  width?: number;
  height?: number;
}

const MSL_POSE_POINTS = 25;
const MSL_LEFT_HAND = 100;
const MSL_RIGHT_HAND = 163;
/** Values per MSL-150 frame (pose 25 × 4, two hands 21 × 3). */
export const MSL_VALUES = 226;

/**
 * Cameras on a circle around the signer, all looking at them; camera 0 at the rig origin. Long
 * lenses (fx 2400 px at 1280 px): MediaPipe's relative depth reaches -1.2 image widths for the
 * hands in MSL-150, which a wide lens would put behind the camera once lifted.
 */
export function syntheticRig(options: SyntheticRigOptions = {}): RigCamera[] {
  const count = options.count ?? 3;
  const distance = options.distance ?? 2.5;
  const spread = ((options.spreadDeg ?? 30) * Math.PI) / 180;
  const width = options.width ?? 1280;
  const height = options.height ?? 720;
  const signer: Vec3 = [0, 0, distance];
  const cameras: RigCamera[] = [];
  for (let i = 0; i < count; i++) {
    // 0, +spread, -spread, +2 spread, ...
    const theta = i === 0 ? 0 : Math.ceil(i / 2) * spread * (i % 2 === 1 ? 1 : -1);
    const rotation: Vec3 = [0, -theta, 0];
    const R = rodrigues(rotation);
    const centre: Vec3 = [signer[0] - distance * Math.sin(theta), signer[1], signer[2] - distance * Math.cos(theta)];
    const c = matVec(R, centre);
    const calibration = {
      intrinsics: { fx: 2400, fy: 2400, cx: width / 2, cy: height / 2, distortion: i === 2 ? [-0.05, 0.01, 0, 0, 0] : [0, 0, 0, 0, 0] },
      extrinsics: { rotation, translation: [-c[0], -c[1], -c[2]] as Vec3 },
    };
    cameras.push({ id: `cam${i}`, camera: cameraFromCalibration(`cam${i}`, calibration), width, height });
  }
  return cameras;
}

/** The calibrated cameras of a synthetic rig by id (what a rig file gives the transcriber). */
export function rigCameraModels(rig: readonly RigCamera[]): Map<string, CameraModel> {
  return new Map(rig.map((c) => [c.id, c.camera]));
}

function present(frame: Float64Array, offset: number, length: number): boolean {
  for (let i = offset; i < offset + length; i++) if (frame[i] !== 0) return true;
  return false;
}

/**
 * One MSL-150 frame lifted to 3-D rig coordinates through `through` (a camera at the rig
 * origin, R = I, t = 0), in the fused layout (pose 33, left hand, right hand; visibility 1 for
 * hands, the recording's for pose points).
 */
export function liftMslFrame(frame: Float64Array, through: RigCamera, distance = 2.5): Float32Array {
  const k = through.camera.intrinsics;
  const out = new Float32Array(FUSED_POINTS * 4);
  const put = (p: number, x: number, y: number, z: number, visibility: number): void => {
    const Z = distance * (1 + (z * through.width) / k.fx);
    const u = x * through.width;
    const v = y * through.height;
    out.set([((u - k.cx) / k.fx) * Z, ((v - k.cy) / k.fy) * Z, Z, visibility], p * 4);
  };
  if (present(frame, 0, MSL_POSE_POINTS * 4)) {
    for (let i = 0; i < MSL_POSE_POINTS; i++) {
      const visibility = Math.min(1, Math.max(0, frame[i * 4 + 3] ?? 0));
      if (visibility > 0) put(i, frame[i * 4] ?? 0, frame[i * 4 + 1] ?? 0, frame[i * 4 + 2] ?? 0, visibility);
    }
  }
  for (const [offset, base] of [
    [MSL_LEFT_HAND, POSE_LANDMARK_COUNT],
    [MSL_RIGHT_HAND, POSE_LANDMARK_COUNT + HAND_LANDMARK_COUNT],
  ] as const) {
    if (!present(frame, offset, HAND_LANDMARK_COUNT * 3)) continue;
    for (let i = 0; i < HAND_LANDMARK_COUNT; i++) put(base + i, frame[offset + i * 3] ?? 0, frame[offset + i * 3 + 1] ?? 0, frame[offset + i * 3 + 2] ?? 0, 1);
  }
  return out;
}

export interface RigPacketContext {
  rig: string;
  seq: number;
  captureTimeNs: string;
  withoutHands?: boolean;
}

/** What `view`'s detector would publish for 3-D rig points in the fused layout. */
export function projectedPacket(points: Float32Array, view: RigCamera, ctx: RigPacketContext): LandmarkPacket {
  const px = reprojectFused(points, view);
  const seen = (p: number): boolean => (px[p * 4 + 3] ?? 0) > 0;
  const hands: PacketHand[] = [];
  if (!ctx.withoutHands) {
    for (const [side, base] of [
      ['left', POSE_LANDMARK_COUNT],
      ['right', POSE_LANDMARK_COUNT + HAND_LANDMARK_COUNT],
    ] as const) {
      if (!seen(base)) continue;
      const landmarks: number[] = [];
      for (let i = 0; i < HAND_LANDMARK_COUNT; i++) for (let c = 0; c < 3; c++) landmarks.push(roundLandmark(px[(base + i) * 4 + c] ?? 0));
      hands.push({ handedness: side, handednessScore: 1, score: 1, landmarks });
    }
  }
  let pose: LandmarkPacket['pose'] = null;
  if (Array.from({ length: POSE_LANDMARK_COUNT }, (_, p) => p).some(seen)) {
    const landmarks: number[] = [];
    for (let p = 0; p < POSE_LANDMARK_COUNT; p++) {
      for (let c = 0; c < 3; c++) landmarks.push(roundLandmark(px[p * 4 + c] ?? 0));
      landmarks.push(roundLandmark(px[p * 4 + 3] ?? 0, 4));
    }
    pose = { score: 1, landmarks };
  }
  return {
    v: 1,
    rig: ctx.rig,
    camera: view.id,
    seq: ctx.seq,
    captureTimeNs: ctx.captureTimeNs,
    width: view.width,
    height: view.height,
    hands,
    pose,
    detector: { name: 'msl150-rig-replay', version: '1', models: {} },
  };
}
