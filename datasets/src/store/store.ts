import { join } from 'node:path';
import { z } from 'zod';
import type { ArtifactRef } from '@signflow/core';
import { DatasetNotFoundError, DatasetStoreError } from '../errors.js';
import { manifestSchema, type DatasetManifest } from '../format/manifest.js';
import type { BlobBackend } from './backend.js';
import { sha256Hex } from './canonical.js';
import { LocalDiskBackend } from './local-disk.js';
import { DatasetWriter, type WriterOptions, type WrittenVersion } from './writer.js';

const refFileSchema = z.object({
  name: z.string(),
  versions: z.array(z.object({ id: z.string(), createdAt: z.string(), samples: z.number() })),
});
type RefFile = z.infer<typeof refFileSchema>;

export interface VersionListing {
  name: string;
  id: string;
  createdAt: string;
  samples: number;
  latest: boolean;
}

const NAME = /^[A-Za-z0-9][A-Za-z0-9._-]{0,99}$/;

/**
 * Dataset versions in a blob backend. Versions are immutable and named by the sha256 of their
 * manifest; names (`msl150`) are mutable refs listing a name's versions, newest last.
 * A reference is `name` (its newest version), `name@<id prefix>`, or an id or unique id prefix
 * (at least 6 hex digits, optionally `sha256:`-prefixed).
 */
export class DatasetStore {
  constructor(readonly backend: BlobBackend) {}

  /** The default store: `<dataDir>/datasets` on local disk. */
  static local(dataDir: string): DatasetStore {
    return new DatasetStore(new LocalDiskBackend(join(dataDir, 'datasets')));
  }

  /** Closes the backend's connections (a NATS store); a local store has none. */
  async close(): Promise<void> {
    await this.backend.close?.();
  }

  createWriter(options: WriterOptions): DatasetWriter {
    if (!NAME.test(options.name)) {
      throw new DatasetStoreError(`dataset name ${JSON.stringify(options.name)}: use letters, digits, ".", "_" or "-" (at most 100)`);
    }
    return new DatasetWriter(this.backend, options, (v) => this.recordVersion(v));
  }

  private async recordVersion(version: WrittenVersion): Promise<void> {
    const ref = await this.readRef(version.manifest.name);
    if (ref.versions.at(-1)?.id === version.id) return;
    ref.versions = ref.versions.filter((v) => v.id !== version.id);
    ref.versions.push({ id: version.id, createdAt: new Date().toISOString(), samples: version.manifest.sampleCount });
    await this.backend.put(`refs/${ref.name}.json`, new TextEncoder().encode(JSON.stringify(ref, null, 2)));
  }

  private async readRef(name: string): Promise<RefFile> {
    const key = `refs/${name}.json`;
    if (!(await this.backend.has(key))) return { name, versions: [] };
    const text = new TextDecoder().decode(await this.backend.get(key));
    const parsed = refFileSchema.safeParse(JSON.parse(text));
    if (!parsed.success) throw new DatasetStoreError(`${this.backend.uri(key)} is not a valid ref file: fix or delete it`);
    return parsed.data;
  }

  async listNames(): Promise<string[]> {
    return (await this.backend.list('refs')).map((k) => k.replace(/^refs\//, '').replace(/\.json$/, ''));
  }

  /** Every version of every name, newest last within a name. */
  async list(): Promise<VersionListing[]> {
    const out: VersionListing[] = [];
    for (const name of await this.listNames()) {
      const ref = await this.readRef(name);
      ref.versions.forEach((v, i) => out.push({ name, id: v.id, createdAt: v.createdAt, samples: v.samples, latest: i === ref.versions.length - 1 }));
    }
    return out;
  }

  /** Resolves a reference to a version id. */
  async resolve(reference: string): Promise<string> {
    const ref = reference.replace(/^sha256:/, '');
    const at = ref.indexOf('@');
    if (at > 0) {
      const name = ref.slice(0, at);
      const prefix = ref.slice(at + 1).replace(/^sha256:/, '');
      const matches = (await this.readRef(name)).versions.filter((v) => v.id.startsWith(prefix));
      return this.only(reference, matches.map((m) => m.id));
    }
    if (NAME.test(ref) && (await this.backend.has(`refs/${ref}.json`))) {
      const latest = (await this.readRef(ref)).versions.at(-1);
      if (latest) return latest.id;
    }
    if (/^[0-9a-f]{6,64}$/.test(ref)) {
      const ids = (await this.backend.list('versions')).map((k) => k.replace(/^versions\//, '').replace(/\.json$/, ''));
      return this.only(reference, ids.filter((id) => id.startsWith(ref)));
    }
    throw new DatasetNotFoundError(reference);
  }

  private only(reference: string, ids: string[]): string {
    const [first, second] = ids;
    if (first === undefined) throw new DatasetNotFoundError(reference);
    if (second !== undefined) throw new DatasetNotFoundError(reference, `matches ${ids.length} versions: give more digits of the id`);
    return first;
  }

  /** The manifest of a version, checked against its id. */
  async manifest(id: string): Promise<DatasetManifest> {
    const bytes = await this.backend.get(`versions/${id}.json`);
    if (sha256Hex(bytes) !== id) throw new DatasetStoreError(`version ${id}: manifest bytes do not match the id (corrupt store)`);
    const parsed = manifestSchema.safeParse(JSON.parse(new TextDecoder().decode(bytes)));
    if (!parsed.success) throw new DatasetStoreError(`version ${id}: manifest does not follow the format: ${parsed.error.issues[0]?.message ?? ''}`);
    return parsed.data;
  }

  /** The artifact reference of a version, for pipelines and Temporal payloads. */
  async artifactRef(id: string): Promise<ArtifactRef> {
    const m = await this.manifest(id);
    const size = m.files.data.bytes + m.files.flags.bytes + m.files.index.bytes + (m.splits?.file.bytes ?? 0);
    return {
      uri: this.backend.uri(`versions/${id}.json`),
      sha256: id,
      kind: 'dataset',
      sizeBytes: size,
      metadata: { name: m.name, samples: m.sampleCount, classes: m.labels.length, layout: m.layout.id },
    };
  }
}
