import {
  HAND_LANDMARK_COUNT,
  HAND_VALUES_PER_LANDMARK,
  POSE_VALUES_PER_LANDMARK,
  type LandmarkPacket,
  type PacketHand,
} from '@signflow/core';

/**
 * The transcriber's per-frame feature vector, layout "msl226" (the MSL-150 dataset's layout, so
 * models trained on it apply unchanged): pose landmarks 0–24 as (x, y, z, visibility), then the
 * signer's left hand 21 × (x, y, z), then the right hand 21 × (x, y, z). x and z are divided by
 * the frame width, y by the height (0–1 image coordinates). A part not detected is all zeros.
 */
export const FEATURE_LAYOUT = 'msl226';
export const POSE_FEATURE_POINTS = 25;
export const POSE_OFFSET = 0;
export const LEFT_HAND_OFFSET = POSE_FEATURE_POINTS * POSE_VALUES_PER_LANDMARK; // 100
export const RIGHT_HAND_OFFSET = LEFT_HAND_OFFSET + HAND_LANDMARK_COUNT * HAND_VALUES_PER_LANDMARK; // 163
export const FEATURE_SIZE = RIGHT_HAND_OFFSET + HAND_LANDMARK_COUNT * HAND_VALUES_PER_LANDMARK; // 226

/** Hands below this presence score are treated as absent. */
export const MIN_HAND_SCORE = 0.5;

function bestHand(hands: readonly PacketHand[], side: 'left' | 'right'): PacketHand | undefined {
  let best: PacketHand | undefined;
  for (const hand of hands) {
    if (hand.handedness !== side || hand.score < MIN_HAND_SCORE) continue;
    if (!best || hand.score > best.score) best = hand;
  }
  return best;
}

function writeHand(out: Float32Array, offset: number, hand: PacketHand | undefined, width: number, height: number): void {
  if (!hand) return;
  for (let i = 0; i < HAND_LANDMARK_COUNT; i++) {
    const s = i * HAND_VALUES_PER_LANDMARK;
    out[offset + s] = (hand.landmarks[s] ?? 0) / width;
    out[offset + s + 1] = (hand.landmarks[s + 1] ?? 0) / height;
    out[offset + s + 2] = (hand.landmarks[s + 2] ?? 0) / width;
  }
}

/** The msl226 feature vector of one landmark packet. */
export function packetFeatures(packet: LandmarkPacket): Float32Array {
  const out = new Float32Array(FEATURE_SIZE);
  const { width, height } = packet;
  if (packet.pose) {
    const lm = packet.pose.landmarks;
    for (let i = 0; i < POSE_FEATURE_POINTS; i++) {
      const s = i * POSE_VALUES_PER_LANDMARK;
      out[POSE_OFFSET + s] = (lm[s] ?? 0) / width;
      out[POSE_OFFSET + s + 1] = (lm[s + 1] ?? 0) / height;
      out[POSE_OFFSET + s + 2] = (lm[s + 2] ?? 0) / width;
      out[POSE_OFFSET + s + 3] = lm[s + 3] ?? 0;
    }
  }
  writeHand(out, LEFT_HAND_OFFSET, bestHand(packet.hands, 'left'), width, height);
  writeHand(out, RIGHT_HAND_OFFSET, bestHand(packet.hands, 'right'), width, height);
  return out;
}

/** Pose landmark indices of the hips (BlazePose). */
const LEFT_HIP = 23;
const RIGHT_HIP = 24;
const MIN_VISIBILITY = 0.5;

/**
 * Whether the signer is signing in this frame: at least one hand is present and raised (its
 * wrist above the hip line when the hips are visible; hands resting at the sides or out of view
 * count as lowered).
 */
export function handsRaised(packet: LandmarkPacket): boolean {
  let hipY = Number.POSITIVE_INFINITY;
  const pose = packet.pose;
  if (pose) {
    for (const hip of [LEFT_HIP, RIGHT_HIP]) {
      const s = hip * POSE_VALUES_PER_LANDMARK;
      const y = pose.landmarks[s + 1];
      const visibility = pose.landmarks[s + 3] ?? 0;
      if (y !== undefined && visibility >= MIN_VISIBILITY) hipY = Math.min(hipY, y);
    }
  }
  return packet.hands.some((hand) => hand.score >= MIN_HAND_SCORE && (hand.landmarks[1] ?? Number.POSITIVE_INFINITY) < hipY);
}
