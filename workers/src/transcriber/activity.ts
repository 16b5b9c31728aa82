import { POSE_VALUES_PER_LANDMARK, type LandmarkPacket } from '@signflow/core';

/** Hands below this presence score are treated as absent. */
export const MIN_HAND_SCORE = 0.5;

/** Pose landmark indices of the hips (BlazePose). */
const LEFT_HIP = 23;
const RIGHT_HIP = 24;
const MIN_VISIBILITY = 0.5;

/**
 * Whether the signer is signing in this camera's frame: at least one hand is present and raised
 * (its wrist above the hip line when the hips are visible; hands resting at the sides or out of
 * view count as lowered).
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
