import type { LandmarkLayout } from './layout.js';

/**
 * One sign sequence in memory: `data` is float32 [frames][points][4] with channels
 * (x, y, z, visibility). A landmark that was not detected has visibility 0 and x = y = z = 0;
 * a stored version never holds NaN or Infinity.
 */
export interface SignSample {
  /** Unique within a version, stable across re-imports of the same source (e.g. `doctor/3`). */
  id: string;
  gloss: string;
  /** Signer (participant) id; null when the source does not say. */
  signer: string | null;
  /** Where the sample came from, relative to the import location (file, or file#sequence). */
  source: string;
  fps: number;
  /** Camera ids that saw it (one per view; `fused` after triangulation; [] when unknown). */
  cameras: string[];
  frames: number;
  data: Float32Array;
  /** One byte of FrameFlag bits per frame. */
  flags: Uint8Array;
  meta?: Record<string, string | number | boolean>;
}

/** A sample as the importers hand it to a writer: flags optional (all clear). */
export type SampleInput = Omit<SignSample, 'flags' | 'frames'> & { flags?: Uint8Array; frames?: number };

/** A view of one frame's point `p` channel `c` in a sample's data. */
export function at(data: Float32Array, points: number, frame: number, point: number, channel: number): number {
  return data[(frame * points + point) * 4 + channel] ?? 0;
}

/** Floats of one sample of `frames` frames in `layout`. */
export function sampleFloats(layout: LandmarkLayout, frames: number): number {
  return frames * layout.components.reduce((n, c) => n + c.points, 0) * 4;
}
