import { z } from 'zod';
import { layoutPointCount } from '../format/layout.js';
import { FRAME_FLAG_NAMES, type Coordinates, type FrameFlagName } from '../format/manifest.js';
import type { SignSample } from '../format/sample.js';
import { augmentLandmarks } from '../preprocess/augment.js';
import { mirrorLandmarks } from '../preprocess/mirror.js';
import { normalizeBody, normalizeHands } from '../preprocess/normalize.js';
import { DEFAULT_THRESHOLDS, dropFlaggedFrames, qualityFlags } from '../preprocess/quality.js';
import { createRng, hashSeed } from '../preprocess/random.js';
import { resampleFrames } from '../preprocess/resample.js';
import { intrinsicsSchema, undistortLandmarks } from '../preprocess/undistort.js';
import { Dataset } from '../store/dataset.js';
import type { DatasetStore } from '../store/store.js';
import type { WrittenVersion } from '../store/writer.js';

const flagName = z.enum(FRAME_FLAG_NAMES as [FrameFlagName, ...FrameFlagName[]]);

/** Every preprocessing step, each optional, applied in this order. Validated at the edge. */
export const preprocessSpecSchema = z
  .object({
    seed: z.number().int().default(0),
    /** Per-camera intrinsics (the rig file's calibration); a sample seen by one camera is undistorted with it. */
    undistort: z
      .object({
        cameras: z.record(z.string(), intrinsicsSchema),
        /** Calibrated image size, needed for image-normalised coordinates. */
        width: z.number().positive().optional(),
        height: z.number().positive().optional(),
      })
      .strict()
      .optional(),
    quality: z
      .object({
        minBrightness: z.number().default(DEFAULT_THRESHOLDS.minBrightness),
        minSharpness: z.number().default(DEFAULT_THRESHOLDS.minSharpness),
        borderMargin: z.number().min(0).max(0.5).default(DEFAULT_THRESHOLDS.borderMargin),
        /** Flags whose frames are removed (others are only flagged). */
        drop: z.array(flagName).default([]),
      })
      .strict()
      .optional(),
    normalize: z.enum(['body', 'hand']).optional(),
    resample: z.number().int().positive().optional(),
    /** `add` a mirrored copy of every sample (id `…#mirror`), or `replace` each by its mirror image. */
    mirror: z.enum(['add', 'replace']).optional(),
    augment: z
      .object({
        copies: z.number().int().min(1).max(100),
        rotationDeg: z.number().min(0).max(180).default(0),
        scale: z.number().min(0).max(0.9).default(0),
        timeWarp: z.number().min(0).max(0.45).default(0),
        dropout: z.number().min(0).max(1).default(0),
      })
      .strict()
      .optional(),
  })
  .strict();
export type PreprocessSpec = z.input<typeof preprocessSpecSchema>;

export interface DeriveOptions {
  store: DatasetStore;
  /** Name of the new version (default: the parent's). */
  name?: string;
  onProgress?: (done: number, total: number) => void;
}

/**
 * A new version from `parent` with the preprocessing of `spec`; provenance lists the parent
 * and the full spec (seed included), so the same call gives the same version id. Folds of a
 * split parent carry over to the derived samples, so split before augmenting: copies of a
 * sample stay in its fold.
 */
export async function preprocessDataset(parent: Dataset, specInput: PreprocessSpec, options: DeriveOptions): Promise<WrittenVersion> {
  const spec = preprocessSpecSchema.parse(specInput);
  const layout = parent.layout;
  const points = layoutPointCount(layout);
  const space = spec.normalize ?? parent.manifest.coordinates.space;
  const coordinates: Coordinates = spec.normalize ? { space } : parent.manifest.coordinates;
  const writer = options.store.createWriter({
    name: options.name ?? parent.manifest.name,
    layout,
    coordinates,
    sources: parent.manifest.provenance.sources,
    parents: [parent.id],
    steps: [...parent.manifest.provenance.steps, { op: 'preprocess', params: spec }],
  });
  writer.inheritQuality(parent.manifest.quality);
  const parentFolds = await parent.folds();
  const folds: number[] = [];
  try {
    let done = 0;
    for await (const sample of parent.samples()) {
      const fold = parentFolds?.[done];
      done++;
      const out = transform(sample, spec, layout, parent.manifest.coordinates, points, writer);
      for (const s of out) {
        await writer.add(s);
        if (fold !== undefined) folds.push(fold);
      }
      options.onProgress?.(done, parent.size);
    }
    const splits = parent.manifest.splits;
    if (splits && parentFolds) {
      const foldSizes = new Array<number>(splits.k).fill(0);
      for (const f of folds) foldSizes[f] = (foldSizes[f] ?? 0) + 1;
      writer.setSplits({ method: splits.method, k: splits.k, seed: splits.seed, foldSizes, ...(splits.foldSigners ? { foldSigners: splits.foldSigners } : {}) }, folds);
    }
    return await writer.commit();
  } catch (err) {
    await writer.abort();
    throw err;
  }
}

type Sink = { skip(item: string, reason: string, detail?: string): void; countDropped(flag: string, n: number): void };

function transform(
  input: SignSample,
  spec: z.output<typeof preprocessSpecSchema>,
  layout: Dataset['layout'],
  coords: Coordinates,
  points: number,
  sink: Sink,
): SignSample[] {
  let s: SignSample = { ...input, data: Float32Array.from(input.data), flags: Uint8Array.from(input.flags) };
  if (spec.undistort) {
    const camera = s.cameras.length === 1 ? s.cameras[0] : undefined;
    const k = camera === undefined ? undefined : spec.undistort.cameras[camera];
    if (!k) {
      sink.skip(s.id, 'no-calibration', `cameras [${s.cameras.join(', ')}]: undistortion needs exactly one calibrated camera`);
      return [];
    }
    const w = coords.width ?? spec.undistort.width;
    const h = coords.height ?? spec.undistort.height;
    if (coords.space === 'image-normalized' && (w === undefined || h === undefined)) {
      throw new RangeError('undistorting image-normalised landmarks needs the calibrated image width and height');
    }
    undistortLandmarks(s.data, k, coords.space === 'image-normalized' ? { x: w ?? 1, y: h ?? 1 } : { x: 1, y: 1 });
  }
  if (spec.quality) {
    s.flags = qualityFlags(s, layout, coords, [], spec.quality);
    const { sample, dropped } = dropFlaggedFrames(s, points, spec.quality.drop);
    for (const [flag, n] of Object.entries(dropped)) sink.countDropped(flag, n);
    if (!sample) {
      sink.skip(s.id, 'all-frames-dropped', `every frame had one of ${spec.quality.drop.join(', ')}`);
      return [];
    }
    s = sample;
  }
  if (spec.normalize === 'body') {
    if (!normalizeBody(s.data, layout)) {
      sink.skip(s.id, 'no-shoulders', 'no frame shows both shoulders: cannot put it in the body frame (try --normalize hand)');
      return [];
    }
  } else if (spec.normalize === 'hand') normalizeHands(s.data, layout);
  if (spec.resample !== undefined && spec.resample !== s.frames) {
    const r = resampleFrames(s.data, s.flags, points, spec.resample);
    s = { ...s, ...r, frames: spec.resample };
  }
  const outCoords: Coordinates = spec.normalize ? { space: spec.normalize } : coords;
  const out: SignSample[] = [];
  if (spec.mirror === 'replace') out.push({ ...s, data: mirrorLandmarks(s.data, layout, outCoords) });
  else out.push(s);
  if (spec.mirror === 'add') out.push({ ...s, id: `${s.id}#mirror`, data: mirrorLandmarks(s.data, layout, outCoords) });
  if (spec.augment) {
    const base = [...out];
    for (const b of base) {
      const rng = createRng(hashSeed(b.id, spec.seed));
      for (let c = 1; c <= spec.augment.copies; c++) {
        const a = augmentLandmarks(b.data, b.flags, points, spec.augment, rng);
        out.push({ ...b, id: `${b.id}#aug${c}`, data: a.data, flags: a.flags });
      }
    }
  }
  return out;
}
