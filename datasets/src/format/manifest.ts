import { z } from 'zod';
import { landmarkLayoutSchema } from './layout.js';

/**
 * The manifest of one immutable dataset version (datasets/FORMAT.md). Its sha256 (of the
 * canonical JSON, keys sorted) is the version id; it names every content file by sha256, so
 * the id covers the data too.
 */
export const FORMAT_NAME = 'signflow-dataset';
export const FORMAT_VERSION = 1;

const sha256Hex = z.string().regex(/^[0-9a-f]{64}$/, 'expected 64 lowercase hex digits');

/** Per-frame quality flags, one uint8 per frame (bits may combine). */
export const FrameFlag = {
  /** The camera frame was too dark (mean luma under the threshold). */
  lowLight: 1,
  /** The camera frame was blurred (variance of the Laplacian under the threshold). */
  blur: 2,
  /** A hand left the frame (landmarks outside the image, or a hand lost between frames). */
  handsOut: 4,
  /** No landmark at all was detected in this frame. */
  noLandmarks: 8,
  /** Landmarks were filled in by interpolation (resampling across a gap). */
  interpolated: 16,
} as const;
export type FrameFlagName = keyof typeof FrameFlag;
export const FRAME_FLAG_NAMES = Object.keys(FrameFlag) as FrameFlagName[];

export const coordinateSpaceSchema = z.enum([
  /** x, y in [0, 1] of the image width and height; z MediaPipe relative depth. */
  'image-normalized',
  /** x, y in pixels of a `width` × `height` image. */
  'pixels',
  /** Metres in a camera or world frame (MediaPipe world landmarks, triangulated rigs). */
  'world',
  /** Centred between the shoulders, scaled by shoulder width, +x to the signer's left... see FORMAT.md. */
  'body',
  /** Relative to the hand's wrist, scaled by the hand's size (or the row maximum, kazuhito CSV). */
  'hand',
]);
export type CoordinateSpace = z.infer<typeof coordinateSpaceSchema>;

export const coordinatesSchema = z
  .object({
    space: coordinateSpaceSchema,
    width: z.number().positive().optional(),
    height: z.number().positive().optional(),
    /** True when the image was mirrored before detection (selfie view); then the signer's left hand is on the image's left. */
    mirrored: z.boolean().optional(),
  })
  .strict();
export type Coordinates = z.infer<typeof coordinatesSchema>;

export const fileEntrySchema = z
  .object({
    sha256: sha256Hex,
    bytes: z.number().int().nonnegative(),
    /** `float32` and `uint8` files are raw little-endian arrays; `json` is UTF-8 JSON. */
    encoding: z.enum(['float32le', 'uint8', 'json']),
  })
  .strict();
export type FileEntry = z.infer<typeof fileEntrySchema>;

export const provenanceStepSchema = z
  .object({
    op: z.string().min(1),
    params: z.record(z.string(), z.unknown()).default({}),
  })
  .strict();
export type ProvenanceStep = z.output<typeof provenanceStepSchema>;

export const sourceSchema = z
  .object({
    /** Importer kind: `msl150-npy`, `keypoint-csv`, `pose-format`, `kaggle-islr`, `video`, `record`, ... */
    kind: z.string().min(1),
    /** Path or URI the user gave. */
    location: z.string().min(1),
    /** sha256 over the source files read (sorted relative paths and their bytes), when computed. */
    sha256: sha256Hex.optional(),
    files: z.number().int().nonnegative().optional(),
    license: z.string().optional(),
    citation: z.string().optional(),
  })
  .strict();
export type DatasetSource = z.infer<typeof sourceSchema>;

export const qualitySchema = z
  .object({
    /** Frames in the stored samples. */
    frames: z.number().int().nonnegative(),
    /** Stored frames carrying each flag. */
    flagged: z.record(z.string(), z.number().int().nonnegative()),
    /** Frames dropped by a quality filter, by flag. */
    dropped: z.record(z.string(), z.number().int().nonnegative()),
    /** Items (files, sequences, segments) skipped, by reason. */
    skipped: z.record(z.string(), z.number().int().nonnegative()),
    /** The first skipped items with their reason (at most 100), so a user can look at them. */
    skippedItems: z.array(z.object({ item: z.string(), reason: z.string(), detail: z.string().optional() }).strict()),
  })
  .strict();
export type QualityCounts = z.infer<typeof qualitySchema>;

export const splitsInfoSchema = z
  .object({
    /** `group-kfold`: signers never shared between folds; `stratified-kfold`: no signer ids, classes balanced per fold. */
    method: z.enum(['group-kfold', 'stratified-kfold']),
    k: z.number().int().min(2),
    seed: z.number().int(),
    /** Samples per fold. */
    foldSizes: z.array(z.number().int().nonnegative()),
    /** Signers per fold (group-kfold). */
    foldSigners: z.array(z.array(z.string())).optional(),
    file: fileEntrySchema,
  })
  .strict();
export type SplitsInfo = z.infer<typeof splitsInfoSchema>;

export const manifestSchema = z
  .object({
    format: z.literal(FORMAT_NAME),
    formatVersion: z.literal(FORMAT_VERSION),
    name: z.string().min(1),
    description: z.string().optional(),
    layout: landmarkLayoutSchema,
    channels: z.tuple([z.literal('x'), z.literal('y'), z.literal('z'), z.literal('visibility')]),
    coordinates: coordinatesSchema,
    sampleCount: z.number().int().nonnegative(),
    frameCount: z.number().int().nonnegative(),
    /** Class names in label order: a sample's `label` is its gloss's index here. Sorted. */
    labels: z.array(z.string()),
    classCounts: z.record(z.string(), z.number().int().nonnegative()),
    /** Samples per signer; samples without a signer id count under `""`. */
    signerCounts: z.record(z.string(), z.number().int().nonnegative()),
    cameras: z.array(z.string()),
    fps: z.object({ min: z.number(), max: z.number() }).strict(),
    quality: qualitySchema,
    files: z
      .object({
        /** All samples' frames back to back: float32 little-endian [frames][points][4]. */
        data: fileEntrySchema,
        /** One uint8 of FrameFlag bits per stored frame, same order as data. */
        flags: fileEntrySchema,
        /** JSON array of SampleIndexEntry, one per sample, in storage order. */
        index: fileEntrySchema,
      })
      .strict(),
    splits: splitsInfoSchema.optional(),
    provenance: z
      .object({
        sources: z.array(sourceSchema),
        /** Version ids this one was derived from. */
        parents: z.array(sha256Hex),
        /** What was done, in order, with every parameter (seeds included) needed to redo it. */
        steps: z.array(provenanceStepSchema),
        tool: z.string(),
      })
      .strict(),
  })
  .strict();
export type DatasetManifest = z.output<typeof manifestSchema>;

/** One entry of index.json: where a sample's frames are and what it is. */
export const sampleIndexEntrySchema = z
  .object({
    id: z.string().min(1),
    gloss: z.string().min(1),
    label: z.number().int().nonnegative(),
    signer: z.string().nullable(),
    source: z.string(),
    fps: z.number().positive(),
    cameras: z.array(z.string()),
    frames: z.number().int().positive(),
    /** First frame of this sample, counted in frames from the start of data (and of flags). */
    frameOffset: z.number().int().nonnegative(),
    meta: z.record(z.string(), z.union([z.string(), z.number(), z.boolean()])).optional(),
  })
  .strict();
export type SampleIndexEntry = z.infer<typeof sampleIndexEntrySchema>;

/** splits.json: the fold of each sample, in storage order. */
export const splitsFileSchema = z.object({ folds: z.array(z.number().int().nonnegative()) }).strict();
