import { readFileSync, writeFileSync } from 'node:fs';
import { parseDocument } from 'yaml';
import { RigConfigError } from '../errors.js';
import type { CalibrationResult } from '../calibrate/calibrate.js';
import { loadRig } from './load.js';

const round = (n: number, digits = 6): number => Number(n.toFixed(digits));

/**
 * Writes a camera's calibration into the rig file, keeping its comments and layout; the version
 * goes up by one (from 1 when the camera had none or a non-numeric one). Returns the version.
 */
export function writeCalibration(rigFile: string, cameraId: string, result: CalibrationResult): string {
  const rig = loadRig(rigFile);
  const index = rig.cameras.findIndex((c) => c.id === cameraId);
  if (index === -1) throw new RigConfigError(`${rigFile}: no camera "${cameraId}" (cameras: ${rig.cameras.map((c) => c.id).join(', ')})`);
  const previous = Number(rig.cameras[index]?.calibration?.version);
  const version = String(Number.isInteger(previous) ? previous + 1 : 1);
  const doc = parseDocument(readFileSync(rigFile, 'utf8'));
  doc.setIn(['cameras', index, 'calibration'], doc.createNode({
    version: Number(version),
    intrinsics: {
      fx: round(result.intrinsics.fx, 3),
      fy: round(result.intrinsics.fy, 3),
      cx: round(result.intrinsics.cx, 3),
      cy: round(result.intrinsics.cy, 3),
      distortion: result.intrinsics.distortion.map((d) => round(d)),
    },
    extrinsics: { rotation: result.extrinsics.rotation.map((r) => round(r)), translation: result.extrinsics.translation.map((t) => round(t)) },
  }));
  writeFileSync(rigFile, doc.toString());
  loadRig(rigFile); // what was written must load
  return version;
}
