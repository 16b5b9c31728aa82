import { z } from 'zod';
import { intrinsicsSchema, undistortPixel, distortNormalized, type Intrinsics } from '../preprocess/undistort.js';
import { matVec, rodrigues, add, type Mat3, type Vec3 } from './linalg.js';

/** The calibration block of a camera in the rig file (camera agent's rig.yaml). */
export const rigCalibrationSchema = z
  .object({
    version: z.union([z.string(), z.number()]).optional(),
    intrinsics: intrinsicsSchema,
    extrinsics: z
      .object({
        /** Rodrigues vector, rig frame → camera frame. */
        rotation: z.tuple([z.number(), z.number(), z.number()]),
        /** Metres, rig frame → camera frame. */
        translation: z.tuple([z.number(), z.number(), z.number()]),
      })
      .strip()
      .default({ rotation: [0, 0, 0], translation: [0, 0, 0] }),
  })
  .strip();
export type RigCalibration = z.output<typeof rigCalibrationSchema>;

/** A calibrated camera: X_cam = R · X_rig + t; pixel = K · distort(X_cam / Z). */
export interface CameraModel {
  id: string;
  intrinsics: Intrinsics;
  R: Mat3;
  t: Vec3;
}

export function cameraFromCalibration(id: string, calibration: RigCalibration): CameraModel {
  return { id, intrinsics: calibration.intrinsics, R: rodrigues(calibration.extrinsics.rotation), t: calibration.extrinsics.translation };
}

/** Pixel of a rig-frame point (with lens distortion); undefined behind the camera. */
export function project(camera: CameraModel, X: Vec3): [number, number] | undefined {
  const c = add(matVec(camera.R, X), camera.t);
  if (c[2] <= 1e-9) return undefined;
  const [xd, yd] = distortNormalized(c[0] / c[2], c[1] / c[2], camera.intrinsics);
  const k = camera.intrinsics;
  return [xd * k.fx + k.cx, yd * k.fy + k.cy];
}

/** Normalised, undistorted image coordinates (x = X/Z, y = Y/Z in the camera frame) of a pixel. */
export function normalizedRay(camera: CameraModel, u: number, v: number): [number, number] {
  const [uu, vv] = undistortPixel(u, v, camera.intrinsics);
  const k = camera.intrinsics;
  return [(uu - k.cx) / k.fx, (vv - k.cy) / k.fy];
}
