import { readFile } from 'node:fs/promises';
import { parse as parseYaml } from 'yaml';
import { z } from 'zod';
import { parseWith, subjectToken } from '@signflow/core';
import { DatasetInputError } from '../errors.js';
import { cameraFromCalibration, rigCalibrationSchema, type CameraModel } from '../fusion/camera.js';

/**
 * What recording needs of the camera agent's rig file (rig.yaml): the rig id, camera ids and
 * their calibrations. Other keys belong to the agent and are ignored here.
 */
const rigFileSchema = z.object({
  id: subjectToken,
  cameras: z
    .array(
      z.object({
        id: subjectToken,
        calibration: rigCalibrationSchema.optional(),
      }),
    )
    .min(1),
  nats: z.object({ url: z.string().optional() }).optional(),
});

export interface RigInfo {
  id: string;
  cameraIds: string[];
  /** Calibrated cameras by id. */
  cameras: Map<string, CameraModel>;
  natsUrl: string | undefined;
}

export async function loadRig(file: string): Promise<RigInfo> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (err) {
    throw new DatasetInputError(file, 'cannot read the rig file', { cause: err });
  }
  let doc: unknown;
  try {
    doc = parseYaml(text);
  } catch (err) {
    throw new DatasetInputError(file, `not valid YAML: ${err instanceof Error ? err.message : String(err)}`, { cause: err });
  }
  return rigFromDocument(parseWith(rigFileSchema, doc, file));
}

export function rigFromDocument(rig: z.output<typeof rigFileSchema>): RigInfo {
  const cameras = new Map<string, CameraModel>();
  for (const c of rig.cameras) if (c.calibration) cameras.set(c.id, cameraFromCalibration(c.id, c.calibration));
  return { id: rig.id, cameraIds: rig.cameras.map((c) => c.id), cameras, natsUrl: rig.nats?.url };
}
