import { layoutPointCount, type LandmarkLayout } from '../../src/format/layout.js';
import type { SampleInput } from '../../src/format/sample.js';

/** A deterministic sample: value = f(frame, point, channel), visibility 1. */
export function syntheticSample(layout: LandmarkLayout, id: string, gloss: string, frames: number, signer: string | null = 's1', seed = 0): SampleInput {
  const points = layoutPointCount(layout);
  const data = new Float32Array(frames * points * 4);
  for (let f = 0; f < frames; f++) {
    for (let p = 0; p < points; p++) {
      const o = (f * points + p) * 4;
      data[o] = 0.1 + 0.001 * p + 0.01 * f + seed * 0.1;
      data[o + 1] = 0.2 + 0.002 * p - 0.005 * f;
      data[o + 2] = -0.01 * p;
      data[o + 3] = 1;
    }
  }
  return { id, gloss, signer, source: `synthetic/${id}`, fps: 30, cameras: ['cam0'], data };
}
