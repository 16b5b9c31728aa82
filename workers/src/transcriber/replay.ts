import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { NatsConnection } from '@nats-io/nats-core';
import { jetstream, jetstreamManager } from '@nats-io/jetstream';
import {
  HAND_LANDMARK_COUNT,
  POSE_LANDMARK_COUNT,
  roundLandmark,
  subjects,
  toCaptureTimeNs,
  type LandmarkPacket,
  type PacketHand,
} from '@signflow/core';
import { ReplaySourceError } from './errors.js';
import { liftMslFrame, MSL_VALUES, projectedPacket, type RigCamera } from './replay-rig.js';
import { ensureStream, liveStreamConfigs } from './streams.js';

/** The MSL-150 frame: pose 0–24 × (x, y, z, visibility), then left and right hand 21 × (x, y, z), 0–1 image coordinates. */
const FEATURE_SIZE = MSL_VALUES;
const POSE_FEATURE_POINTS = 25;
const LEFT_HAND_OFFSET = 100;
const RIGHT_HAND_OFFSET = 163;

/**
 * Landmark replay of recorded sign sequences in the MSL-150 layout (the fixture
 * `msl150/sample_npy/<sign>/<sequence>/<frame>.npy`, MediaPipe Holistic landmarks): turns each
 * frame back into the landmark packet a camera would have produced and publishes the packets
 * of a rig in real time. Used by the tests, the bench and the demo as a rig whose cameras'
 * landmarks are real recordings.
 */

/** Parses a NumPy .npy (format 1.x/2.x) float64 little-endian 1-D array. */
export function parseNpyFloat64(bytes: Buffer, path: string): Float64Array {
  if (bytes.length < 12 || bytes.toString('latin1', 1, 6) !== 'NUMPY') throw new ReplaySourceError(path, 'not a NumPy .npy file');
  const major = bytes[6] ?? 0;
  const headerLength = major === 1 ? bytes.readUInt16LE(8) : bytes.readUInt32LE(8);
  const offset = (major === 1 ? 10 : 12) + headerLength;
  const header = bytes.toString('latin1', major === 1 ? 10 : 12, offset);
  if (!header.includes("'descr': '<f8'") || header.includes("'fortran_order': True")) {
    throw new ReplaySourceError(path, `expected a C-order float64 ('<f8') array, header ${header.trim()}`);
  }
  const count = (bytes.length - offset) / 8;
  if (!Number.isInteger(count)) throw new ReplaySourceError(path, 'truncated data');
  const out = new Float64Array(count);
  for (let i = 0; i < count; i++) out[i] = bytes.readDoubleLE(offset + i * 8);
  return out;
}

/** Reads one sequence folder (`0.npy` … `N.npy`, each 226 values) in frame order. */
export async function readMslSequence(dir: string): Promise<Float64Array[]> {
  let names: string[];
  try {
    names = (await readdir(dir)).filter((n) => /^\d+\.npy$/.test(n));
  } catch (err) {
    throw new ReplaySourceError(dir, 'cannot read the sequence folder', { cause: err });
  }
  if (names.length === 0) throw new ReplaySourceError(dir, 'no <frame>.npy files');
  names.sort((a, b) => Number.parseInt(a, 10) - Number.parseInt(b, 10));
  const frames: Float64Array[] = [];
  for (const name of names) {
    const path = join(dir, name);
    const frame = parseNpyFloat64(await readFile(path), path);
    if (frame.length !== FEATURE_SIZE) throw new ReplaySourceError(path, `expected ${FEATURE_SIZE} values, got ${frame.length}`);
    frames.push(frame);
  }
  return frames;
}

export interface RecordedSign {
  label: string;
  frames: Float64Array[];
  /** Sequence folder name, when read from MSL-150. */
  sequence?: string;
}

/** Reads `count` sequences of each sign under an MSL-150 `sample_npy` folder (sorted by number). */
export async function readMslSigns(root: string, signs: readonly string[], perSign: number, skip = 0): Promise<RecordedSign[]> {
  const out: RecordedSign[] = [];
  for (const label of signs) {
    const dir = join(root, label);
    const sequences = (await readdir(dir)).filter((n) => /^\d+$/.test(n)).sort((a, b) => Number(a) - Number(b));
    for (const seq of sequences.slice(skip, skip + perSign)) out.push({ label, sequence: seq, frames: await readMslSequence(join(dir, seq)) });
  }
  return out;
}

function blockPresent(frame: Float64Array, offset: number, length: number): boolean {
  for (let i = offset; i < offset + length; i++) if (frame[i] !== 0) return true;
  return false;
}

function handFromBlock(frame: Float64Array, offset: number, handedness: 'left' | 'right', width: number, height: number): PacketHand {
  const landmarks: number[] = [];
  for (let i = 0; i < HAND_LANDMARK_COUNT; i++) {
    const s = offset + i * 3;
    landmarks.push(roundLandmark((frame[s] ?? 0) * width), roundLandmark((frame[s + 1] ?? 0) * height), roundLandmark((frame[s + 2] ?? 0) * width));
  }
  return { handedness, handednessScore: 1, score: 1, landmarks };
}

export interface PacketContext {
  rig: string;
  camera: string;
  seq: number;
  captureTimeNs: string;
  width?: number;
  height?: number;
  /** Drop the hands (a rest frame between signs: hands lowered out of view). */
  withoutHands?: boolean;
}

/** The landmark packet of one MSL-layout frame (pixels of a `width` x `height` camera). */
export function mslFrameToPacket(frame: Float64Array, ctx: PacketContext): LandmarkPacket {
  const width = ctx.width ?? 1280;
  const height = ctx.height ?? 720;
  const hands: PacketHand[] = [];
  if (!ctx.withoutHands) {
    if (blockPresent(frame, LEFT_HAND_OFFSET, HAND_LANDMARK_COUNT * 3)) hands.push(handFromBlock(frame, LEFT_HAND_OFFSET, 'left', width, height));
    if (blockPresent(frame, RIGHT_HAND_OFFSET, HAND_LANDMARK_COUNT * 3)) hands.push(handFromBlock(frame, RIGHT_HAND_OFFSET, 'right', width, height));
  }
  let pose: LandmarkPacket['pose'] = null;
  if (blockPresent(frame, 0, POSE_FEATURE_POINTS * 4)) {
    const landmarks: number[] = [];
    for (let i = 0; i < POSE_LANDMARK_COUNT; i++) {
      const s = i * 4;
      if (i < POSE_FEATURE_POINTS) {
        const visibility = Math.min(1, Math.max(0, frame[s + 3] ?? 0));
        landmarks.push(roundLandmark((frame[s] ?? 0) * width), roundLandmark((frame[s + 1] ?? 0) * height), roundLandmark((frame[s + 2] ?? 0) * width), roundLandmark(visibility, 4));
      } else {
        landmarks.push(0, 0, 0, 0); // legs/feet: not in the MSL layout
      }
    }
    pose = { score: 1, landmarks };
  }
  return {
    v: 1,
    rig: ctx.rig,
    camera: ctx.camera,
    seq: ctx.seq,
    captureTimeNs: ctx.captureTimeNs,
    width,
    height,
    hands,
    pose,
    detector: { name: 'msl150-replay', version: '1', models: {} },
  };
}

export interface ReplayOptions {
  nc: NatsConnection;
  rig: string;
  camera?: string;
  signs: readonly RecordedSign[];
  fps?: number;
  /** Rest frames (hands lowered) before each sign and after the last (default 12). */
  restFrames?: number;
  /** Publish as fast as possible instead of in real time (capture times still 1/fps apart). */
  asFastAsPossible?: boolean;
  /** Replay as a calibrated multi-camera rig (see syntheticRig): every frame projected into each camera. */
  rigCameras?: readonly RigCamera[];
  /** With rigCameras: the cameras that publish (default all; fewer = cameras out of view). */
  publishing?: readonly string[];
  now?: () => number;
  signal?: AbortSignal;
}

export interface ReplayedSign {
  label: string;
  /** Capture time of the sign's last frame with a hand (ns string). */
  lastFrameCaptureNs: string;
  firstFrameCaptureNs: string;
}

/**
 * Publishes the signs as one rig camera's landmark stream (or each camera's of a synthetic
 * calibrated rig), each sign framed by rest frames, one frame every 1/fps s of wall-clock time
 * with that time as its capture time.
 */
export async function replaySigns(options: ReplayOptions): Promise<ReplayedSign[]> {
  const fps = options.fps ?? 30;
  const rest = options.restFrames ?? 12;
  const camera = options.camera ?? 'cam0';
  const now = options.now ?? Date.now;
  const js = jetstream(options.nc);
  await ensureStream(await jetstreamManager(options.nc), liveStreamConfigs.landmarks);
  const subject = subjects.landmarks(options.rig, camera);
  const frameMs = 1000 / fps;
  const start = now();
  let seq = 0;
  const replayed: ReplayedSign[] = [];
  const emit = async (frame: Float64Array, withoutHands: boolean): Promise<string> => {
    const due = start + seq * frameMs;
    const wait = due - now();
    if (!options.asFastAsPossible && wait > 1) await new Promise((resolve) => setTimeout(resolve, wait));
    const captureTimeNs = toCaptureTimeNs(options.asFastAsPossible ? due : now());
    if (options.rigCameras) {
      const [through] = options.rigCameras;
      const points = through ? liftMslFrame(frame, through) : undefined;
      for (const view of options.rigCameras) {
        if (!points || (options.publishing && !options.publishing.includes(view.id))) continue;
        const packet = projectedPacket(points, view, { rig: options.rig, seq, captureTimeNs, withoutHands });
        await js.publish(subjects.landmarks(options.rig, view.id), JSON.stringify(packet));
      }
      seq++;
      return captureTimeNs;
    }
    const packet = mslFrameToPacket(frame, { rig: options.rig, camera, seq, captureTimeNs, withoutHands });
    seq++;
    await js.publish(subject, JSON.stringify(packet));
    return captureTimeNs;
  };
  const signs = options.signs;
  for (const [i, sign] of signs.entries()) {
    if (options.signal?.aborted) break;
    const restFrame = sign.frames[0];
    if (!restFrame) continue;
    for (let r = 0; r < rest; r++) await emit(restFrame, true);
    let first = '';
    let last = '';
    for (const frame of sign.frames) {
      const time = await emit(frame, false);
      const hasHand = blockPresent(frame, LEFT_HAND_OFFSET, HAND_LANDMARK_COUNT * 6);
      if (hasHand) {
        if (!first) first = time;
        last = time;
      }
    }
    replayed.push({ label: sign.label, firstFrameCaptureNs: first, lastFrameCaptureNs: last });
    if (i === signs.length - 1) for (let r = 0; r < rest; r++) await emit(restFrame, true);
  }
  return replayed;
}
