import { cross, dot, norm, normalize, scale, sub, add, type Vec3 } from './linalg.js';

/**
 * The signer's body frame from 3D shoulders (and hips when seen): origin midway between the
 * shoulders, x toward the signer's left shoulder, y down the torso (orthogonal to x), z = x × y
 * (pointing out of the signer's back, so −z faces forward), unit = shoulder width.
 * Without hips, "down" is the rig's `down` vector made orthogonal to x.
 */
export interface BodyFrame {
  origin: Vec3;
  axes: [Vec3, Vec3, Vec3];
  scale: number;
}

export function bodyFrame(leftShoulder: Vec3, rightShoulder: Vec3, hipsMid?: Vec3, down: Vec3 = [0, 1, 0]): BodyFrame | undefined {
  const origin = scale(add(leftShoulder, rightShoulder), 0.5);
  const across = sub(leftShoulder, rightShoulder);
  const width = norm(across);
  if (width < 1e-9) return undefined;
  const x = normalize(across);
  const wanted = hipsMid ? sub(hipsMid, origin) : down;
  const yRaw = sub(wanted, scale(x, dot(wanted, x)));
  if (norm(yRaw) < 1e-9) return undefined;
  const y = normalize(yRaw);
  return { origin, axes: [x, y, cross(x, y)], scale: width };
}

/** A rig-frame point in body-frame units. */
export function toBodyFrame(frame: BodyFrame, p: Vec3): Vec3 {
  const d = sub(p, frame.origin);
  return [dot(d, frame.axes[0]) / frame.scale, dot(d, frame.axes[1]) / frame.scale, dot(d, frame.axes[2]) / frame.scale];
}
