import type { LandmarkPacket } from '@signflow/core';
import {
  FUSED_LAYOUT,
  FUSED_POINTS,
  canonicalComponentName,
  componentOffsets,
  fusedToBodyFrame,
  normalizeBody,
  normalizeHands,
  packetToFrame,
  project,
  resampleFrames,
  CHANNELS,
  type CameraModel,
  type LandmarkLayout,
} from '@signflow/datasets';
import { featureCount, specChannels, specComponents, type FeatureSpec } from '../inference/feature-spec.js';
import { MIN_HAND_SCORE } from './activity.js';

/**
 * One instant of a rig as the transcriber keeps it, in the fused layout (MediaPipe pose 33, left
 * hand, right hand; [points][x, y, z, visibility]): either one camera's view in pixels, or the
 * views of several calibrated cameras triangulated into the rig frame (metres), with the camera
 * whose image an image-space model reads the fused points in.
 */
export type LiveFrame =
  | { kind: 'view'; camera: string; width: number; height: number; data: Float32Array }
  | { kind: 'fused'; cameras: string[]; data: Float32Array; reference: ReferenceView | undefined };

/** A calibrated camera and its image size: where fused points are re-projected for image-space models. */
export interface ReferenceView {
  camera: CameraModel;
  width: number;
  height: number;
}

const STRIDE = FUSED_POINTS * 4;
const LEFT_HAND = 33;
const RIGHT_HAND = 54;
const LEFT_HIP = 23;
const RIGHT_HIP = 24;

/** One camera's packet as a view frame (datasets' packetToFrame; hands under MIN_HAND_SCORE count as absent). */
export function viewFrame(packet: LandmarkPacket): LiveFrame {
  const data = new Float32Array(STRIDE);
  packetToFrame({ ...packet, hands: packet.hands.filter((h) => h.score >= MIN_HAND_SCORE) }, data, 0);
  return { kind: 'view', camera: packet.camera, width: packet.width, height: packet.height, data };
}

function visible(data: Float32Array, p: number): boolean {
  return (data[p * 4 + 3] ?? 0) > 0;
}

/**
 * Fused rig-frame points re-projected into the reference camera, as that camera's detector would
 * report them: pixels (with its lens distortion) and z on the x scale relative to the hip midpoint
 * (pose) or the wrist (hands), the landmark packets' convention.
 */
export function reprojectFused(data: Float32Array, view: ReferenceView): Float32Array {
  const { camera } = view;
  const out = new Float32Array(STRIDE);
  const depth = (p: number): number | undefined => {
    if (!visible(data, p)) return undefined;
    const X: [number, number, number] = [data[p * 4] ?? 0, data[p * 4 + 1] ?? 0, data[p * 4 + 2] ?? 0];
    const R = camera.R;
    return R[6] * X[0] + R[7] * X[1] + R[8] * X[2] + camera.t[2];
  };
  const hipL = depth(LEFT_HIP);
  const hipR = depth(RIGHT_HIP);
  const poseRef = hipL !== undefined && hipR !== undefined ? (hipL + hipR) / 2 : (depth(11) ?? depth(12) ?? depth(0));
  for (let p = 0; p < FUSED_POINTS; p++) {
    if (!visible(data, p)) continue;
    const pixel = project(camera, [data[p * 4] ?? 0, data[p * 4 + 1] ?? 0, data[p * 4 + 2] ?? 0]);
    const z = depth(p);
    if (!pixel || z === undefined) continue;
    const ref = p >= RIGHT_HAND ? depth(RIGHT_HAND) : p >= LEFT_HAND ? depth(LEFT_HAND) : poseRef;
    const relative = ref === undefined || ref <= 0 ? 0 : (camera.intrinsics.fx * (z - ref)) / ref;
    out.set([pixel[0], pixel[1], relative, data[p * 4 + 3] ?? 0], p * 4);
  }
  return out;
}

/** Pixels → 0–1 image coordinates (x, z by the width, y by the height), visible points only. */
function toImageNormalized(data: Float32Array, width: number, height: number): void {
  for (let p = 0; p < FUSED_POINTS; p++) {
    if (!visible(data, p)) continue;
    data[p * 4] = (data[p * 4] ?? 0) / width;
    data[p * 4 + 1] = (data[p * 4 + 1] ?? 0) / height;
    data[p * 4 + 2] = (data[p * 4 + 2] ?? 0) / width;
  }
}

/** One frame in an image space of a camera (the reference camera for fused frames), or undefined without one. */
function imageFrame(frame: LiveFrame, space: 'image-normalized' | 'pixels'): Float32Array | undefined {
  let data: Float32Array;
  let width: number;
  let height: number;
  if (frame.kind === 'view') {
    data = Float32Array.from(frame.data);
    ({ width, height } = frame);
  } else {
    if (!frame.reference) return undefined;
    data = reprojectFused(frame.data, frame.reference);
    ({ width, height } = frame.reference);
  }
  if (space === 'image-normalized') toImageNormalized(data, width, height);
  return data;
}

/**
 * A sign's frames in the space the model's dataset was imported in, [frames][FUSED_POINTS][4]:
 * image coordinates (fused frames re-projected into the reference camera), or the body frame
 * (fused frames through datasets' fusedToBodyFrame; single views through normalizeBody).
 */
export function sourceSequence(frames: readonly LiveFrame[], spec: FeatureSpec): Float32Array {
  const out = new Float32Array(frames.length * STRIDE);
  if (spec.source !== 'body') {
    const space = spec.source;
    frames.forEach((frame, i) => {
      const data = imageFrame(frame, space);
      if (data) out.set(data, i * STRIDE);
    });
    return out;
  }
  // Body frame: each kind of frame through its own path, as a sequence (a frame without
  // shoulders borrows the nearest frame's body frame, as the datasets functions do).
  const groups: { indices: number[]; fused: boolean }[] = [
    { indices: frames.flatMap((f, i) => (f.kind === 'fused' ? [i] : [])), fused: true },
    { indices: frames.flatMap((f, i) => (f.kind === 'view' ? [i] : [])), fused: false },
  ];
  for (const { indices, fused } of groups) {
    if (indices.length === 0) continue;
    const data = new Float32Array(indices.length * STRIDE);
    indices.forEach((i, j) => data.set(frames[i]?.data ?? new Float32Array(STRIDE), j * STRIDE));
    if (fused) fusedToBodyFrame(data);
    else normalizeBody(data, FUSED_LAYOUT);
    indices.forEach((i, j) => out.set(data.subarray(j * STRIDE, (j + 1) * STRIDE), i * STRIDE));
  }
  return out;
}

/** For each point of `to`, the point of FUSED_LAYOUT it comes from (matched by component and point name), or -1. */
export function layoutMapping(to: LandmarkLayout): Int32Array {
  const from = componentOffsets(FUSED_LAYOUT);
  const byName = new Map([...from].map(([name, o]) => [canonicalComponentName(name), o]));
  const map = new Int32Array(to.components.reduce((n, c) => n + c.points, 0)).fill(-1);
  let at = 0;
  for (const component of to.components) {
    const source = byName.get(canonicalComponentName(component.name));
    for (let i = 0; i < component.points; i++) {
      const name = component.pointNames?.[i];
      const named = name !== undefined ? source?.component.pointNames?.indexOf(name) : undefined;
      const j = named !== undefined && named >= 0 ? named : i < (source?.component.points ?? 0) ? i : -1;
      map[at + i] = source && j >= 0 ? source.start + j : -1;
    }
    at += component.points;
  }
  return map;
}

/**
 * The model input of one sign, [spec.frames × featureCount(spec)]: the frames in the dataset's
 * source space, normalised as its preprocessing did (datasets' normalizeBody / normalizeHands),
 * put in its layout, resampled in time (datasets' resampleFrames) and stacked component by
 * component, channel by channel — the order of the datasets package's toArrays.
 */
export function signFeatures(frames: readonly LiveFrame[], spec: FeatureSpec): Float32Array {
  if (frames.length === 0) throw new RangeError('a sign needs at least one frame');
  const source = sourceSequence(frames, spec);
  if (spec.normalize === 'body') normalizeBody(source, FUSED_LAYOUT);
  else if (spec.normalize === 'hand') normalizeHands(source, FUSED_LAYOUT);
  const map = layoutMapping(spec.layout);
  const points = map.length;
  const laid = new Float32Array(frames.length * points * 4);
  for (let f = 0; f < frames.length; f++) {
    for (let p = 0; p < points; p++) {
      const q = map[p] ?? -1;
      if (q >= 0) laid.set(source.subarray((f * FUSED_POINTS + q) * 4, (f * FUSED_POINTS + q) * 4 + 4), (f * points + p) * 4);
    }
  }
  const { data } = resampleFrames(laid, new Uint8Array(frames.length), points, spec.frames);
  const offsets = componentOffsets(spec.layout);
  const pointIdx = specComponents(spec).flatMap((name) => {
    const o = offsets.get(name);
    return o ? Array.from({ length: o.component.points }, (_, i) => o.start + i) : [];
  });
  const channelIdx = specChannels(spec).map((c) => CHANNELS.indexOf(c));
  const features = featureCount(spec);
  const out = new Float32Array(spec.frames * features);
  let o = 0;
  for (let f = 0; f < spec.frames; f++) {
    for (const p of pointIdx) for (const c of channelIdx) out[o++] = data[(f * points + p) * 4 + c] ?? 0;
  }
  return out;
}
