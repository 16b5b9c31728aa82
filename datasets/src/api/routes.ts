import { z } from 'zod';
import { parseWith, SignflowError, ValidationError, type ApiPlugin } from '@signflow/core';
import { DatasetNotFoundError } from '../errors.js';
import type { DatasetManifest } from '../format/manifest.js';
import type { DatasetStore, VersionListing } from '../store/store.js';

type App = Parameters<ApiPlugin>[0];

/** One row of `GET /v1/datasets`; a version whose manifest cannot be read has `error` instead of counts. */
export type DatasetVersionRow = VersionListing &
  (
    | {
        frames: number;
        classes: number;
        /** Distinct signer ids (samples without one are not counted). */
        signers: number;
        layout: string;
      }
    | { error: string }
  );

/** `GET /v1/datasets/:name/:version`: what a reader of the manifest wants first. */
export interface DatasetVersionSummary {
  name: string;
  id: string;
  createdAt: string | null;
  latest: boolean;
  description: string | null;
  layout: string;
  coordinates: string;
  samples: number;
  frames: number;
  fps: { min: number; max: number };
  cameras: string[];
  classCounts: Record<string, number>;
  /** By signer id; `(none)` counts samples without one. */
  signerCounts: Record<string, number>;
  quality: DatasetManifest['quality'];
  splits: { method: string; k: number; seed: number } | null;
  sources: { kind: string; location: string }[];
  parents: string[];
}

const params = z
  .object({
    name: z.string().regex(/^[A-Za-z0-9][A-Za-z0-9._-]{0,99}$/, 'expected a dataset name'),
    version: z.string().regex(/^(sha256:)?[0-9a-f]{6,64}$/, 'expected a version id or a prefix of at least 6 hex digits'),
  })
  .strict();

const signerCount = (counts: Record<string, number>) => Object.keys(counts).filter((s) => s !== '').length;

function fail(reply: { code(status: number): { send(body: unknown): unknown } }, err: unknown): unknown {
  const status = err instanceof ValidationError ? 400 : err instanceof DatasetNotFoundError ? 404 : 500;
  const code = err instanceof SignflowError ? err.code : 'INTERNAL';
  return reply.code(status).send({ error: { code, message: err instanceof Error ? err.message : String(err) } });
}

/**
 * The dataset versions on the signflow API (the console's datasets page): every version with its
 * sample, frame, class and signer counts, and one version's manifest summary. Reads only, so the
 * API's viewer role suffices. `store()` may open lazily (a NATS store connects on first use).
 */
export function registerDatasetsApi(app: App, store: () => Promise<DatasetStore>): void {
  app.get('/v1/datasets', async (_req, reply) => {
    try {
      const s = await store();
      const rows: DatasetVersionRow[] = await Promise.all(
        (await s.list()).map(async (v): Promise<DatasetVersionRow> => {
          try {
            const m = await s.manifest(v.id);
            return { ...v, frames: m.frameCount, classes: m.labels.length, signers: signerCount(m.signerCounts), layout: m.layout.id };
          } catch (err) {
            return { ...v, error: err instanceof Error ? err.message : String(err) };
          }
        }),
      );
      return { datasets: rows };
    } catch (err) {
      return fail(reply, err);
    }
  });

  app.get('/v1/datasets/:name/:version', async (req, reply) => {
    try {
      const { name, version } = parseWith(params, req.params, 'path');
      const s = await store();
      const id = await s.resolve(`${name}@${version}`);
      const m = await s.manifest(id);
      const listed = (await s.list()).find((v) => v.name === name && v.id === id);
      const summary: DatasetVersionSummary = {
        name: m.name,
        id,
        createdAt: listed?.createdAt ?? null,
        latest: listed?.latest ?? false,
        description: m.description ?? null,
        layout: m.layout.id,
        coordinates: m.coordinates.space,
        samples: m.sampleCount,
        frames: m.frameCount,
        fps: m.fps,
        cameras: m.cameras,
        classCounts: m.classCounts,
        signerCounts: Object.fromEntries(Object.entries(m.signerCounts).map(([k, n]) => [k || '(none)', n])),
        quality: m.quality,
        splits: m.splits ? { method: m.splits.method, k: m.splits.k, seed: m.splits.seed } : null,
        sources: m.provenance.sources.map((src) => ({ kind: src.kind, location: src.location })),
        parents: m.provenance.parents,
      };
      return summary;
    } catch (err) {
      return fail(reply, err);
    }
  });
}
