import { z } from 'zod';

/**
 * A reference to an immutable artifact (dataset version, model, metrics, plot, logs) in the
 * artifact store. Artifacts travel between steps, through Temporal and over NATS only as these
 * references, never as bytes.
 */
export const artifactKind = z.enum(['dataset', 'model', 'metrics', 'plot', 'logs', 'predictions', 'file', 'directory']);
export type ArtifactKind = z.infer<typeof artifactKind>;

export const artifactRefSchema = z.object({
  /** e.g. `file:///home/u/.signflow/artifacts/sha256/ab/abcd...` or `s3://bucket/key` or `nats://signflow_artifacts/key`. */
  uri: z.string().min(1),
  /** Hex sha256 of the content (for a directory: of its manifest). */
  sha256: z.string().regex(/^[0-9a-f]{64}$/, 'expected 64 lowercase hex digits'),
  kind: artifactKind,
  sizeBytes: z.number().int().nonnegative(),
  /** Small, JSON-able facts about the artifact (class count, accuracy, ...): never bulk data. */
  metadata: z.record(z.string(), z.unknown()).default({}),
});
export type ArtifactRef = z.infer<typeof artifactRefSchema>;
