import { z } from 'zod';
import { CHANNELS, landmarkLayoutSchema, layoutPointCount, type DatasetManifest, type DatasetStore } from '@signflow/datasets';

/**
 * What a model's input features are, so live landmarks can be turned into exactly the features
 * it was trained on: the landmark layout of its training dataset, the coordinate space the
 * landmarks were in as imported (`source`), the normalisation the dataset's preprocessing then
 * applied, the frames per sample (resampled), and which components and channels were stacked
 * (the datasets package's `toArrays` order: frame, point, channel).
 */
export const featureSpecSchema = z
  .object({
    layout: landmarkLayoutSchema,
    /** Coordinates of the landmarks before normalisation: a camera's image (0–1 or pixels), or a fused rig's body frame. */
    source: z.enum(['image-normalized', 'pixels', 'body']),
    /** Normalisation applied by the dataset's preprocessing (datasets' normalizeBody / normalizeHands). */
    normalize: z.enum(['body', 'hand']).optional(),
    frames: z.number().int().positive(),
    /** Components stacked, in order (default: all of the layout). */
    components: z.array(z.string()).optional(),
    /** Channels per point, in order (default x, y, z, visibility). */
    channels: z.array(z.enum(CHANNELS)).optional(),
    /** Dataset version the spec was read from (lineage), when known. */
    dataset: z.string().optional(),
  })
  .strict();
export type FeatureSpec = z.output<typeof featureSpecSchema>;

/** Components of the spec, in stacking order. */
export function specComponents(spec: FeatureSpec): string[] {
  return spec.components ?? spec.layout.components.map((c) => c.name);
}

export function specChannels(spec: FeatureSpec): (typeof CHANNELS)[number][] {
  return spec.channels ?? [...CHANNELS];
}

/** Features per frame the model takes. */
export function featureCount(spec: FeatureSpec): number {
  const wanted = new Set(specComponents(spec));
  const points = spec.components ? spec.layout.components.filter((c) => wanted.has(c.name)).reduce((n, c) => n + c.points, 0) : layoutPointCount(spec.layout);
  return points * specChannels(spec).length;
}

/** The last normalisation a dataset version's provenance applied (`preprocess` steps accumulate over derivations). */
function normalisationOf(manifest: DatasetManifest): 'body' | 'hand' | undefined {
  let found: 'body' | 'hand' | undefined;
  for (const step of manifest.provenance.steps) {
    const normalize = step.op === 'preprocess' ? (step.params as { normalize?: unknown }).normalize : undefined;
    if (normalize === 'body' || normalize === 'hand') found = normalize;
  }
  return found;
}

/**
 * The feature spec of a model trained on dataset version `ref` with `frames` frames per sample
 * and all components and channels (what the training step stacks): layout from the manifest,
 * source space from the version the data was first imported or recorded into (its ancestors),
 * normalisation from the preprocessing steps.
 */
export async function featureSpecFromDataset(store: DatasetStore, ref: string, frames: number): Promise<FeatureSpec> {
  const id = await store.resolve(ref);
  const manifest = await store.manifest(id);
  let root = manifest;
  for (let depth = 0; depth < 32 && root.provenance.parents[0] !== undefined; depth++) root = await store.manifest(root.provenance.parents[0]);
  const space = root.coordinates.space;
  if (space !== 'image-normalized' && space !== 'pixels' && space !== 'body') {
    throw new RangeError(`dataset ${ref} was imported in "${space}" coordinates; live landmarks can be given as image-normalized, pixels or body-frame coordinates only`);
  }
  const normalize = normalisationOf(manifest);
  return { layout: manifest.layout, source: space, ...(normalize ? { normalize } : {}), frames, dataset: id };
}
