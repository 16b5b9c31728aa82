import { createHash, type Hash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import { DatasetInputError, DatasetSampleError } from '../errors.js';
import type { LandmarkLayout } from '../format/layout.js';
import type { Coordinates, DatasetSource, ProvenanceStep } from '../format/manifest.js';
import type { SampleInput } from '../format/sample.js';
import type { DatasetStore } from '../store/store.js';
import type { WrittenVersion } from '../store/writer.js';

/** What an importer yields: a sample, or an item it could not use and why. */
export type ImportItem = { sample: SampleInput } | { skip: { item: string; reason: string; detail?: string } };

/** A source an importer has opened: its layout, and its items one by one. */
export interface ImportSource {
  kind: string;
  location: string;
  layout: LandmarkLayout;
  coordinates: Coordinates;
  license?: string;
  citation?: string;
  /** Items expected, for progress (undefined when unknown). */
  total: number | undefined;
  items(): AsyncIterable<ImportItem>;
  /** sha256 over the source files read, and how many; valid once items() is exhausted. */
  digest(): { sha256: string; files: number };
  /** Importer parameters recorded in the provenance. */
  params: Record<string, unknown>;
}

export interface ImportOptions {
  store: DatasetStore;
  name: string;
  description?: string;
  /** Throw at the first bad item instead of counting and skipping it. */
  strict?: boolean;
  onProgress?: (done: number, total: number | undefined, skipped: number) => void;
  /** Extra provenance steps (e.g. the preprocessing applied on import). */
  steps?: ProvenanceStep[];
}

export interface ImportResult extends WrittenVersion {
  skipped: number;
}

/** Writes every sample of `source` into a new version; bad items are counted (or thrown when strict). */
export async function importSource(source: ImportSource, options: ImportOptions): Promise<ImportResult> {
  const writer = options.store.createWriter({
    name: options.name,
    ...(options.description ? { description: options.description } : {}),
    layout: source.layout,
    coordinates: source.coordinates,
    steps: [{ op: 'import', params: { kind: source.kind, ...source.params } }, ...(options.steps ?? [])],
  });
  let done = 0;
  let skipped = 0;
  try {
    for await (const item of source.items()) {
      if ('skip' in item) {
        if (options.strict) throw new DatasetInputError(item.skip.item, `${item.skip.reason}${item.skip.detail ? `: ${item.skip.detail}` : ''}`);
        writer.skip(item.skip.item, item.skip.reason, item.skip.detail);
        skipped++;
      } else {
        try {
          await writer.add(item.sample);
        } catch (err) {
          if (options.strict || !(err instanceof DatasetSampleError)) throw err;
          writer.skip(item.sample.source, 'invalid-sample', err.message);
          skipped++;
        }
      }
      done++;
      options.onProgress?.(done, source.total, skipped);
    }
    const { sha256, files } = source.digest();
    writer.addSource({
      kind: source.kind,
      location: source.location,
      sha256,
      files,
      ...(source.license ? { license: source.license } : {}),
      ...(source.citation ? { citation: source.citation } : {}),
    } satisfies DatasetSource);
    return { ...(await writer.commit()), skipped };
  } catch (err) {
    await writer.abort();
    throw err;
  }
}

/** sha256 over (relative path, bytes) pairs, fed in a deterministic order. */
export class SourceDigest {
  private readonly hash: Hash = createHash('sha256');
  files = 0;
  add(relativePath: string, bytes: Uint8Array): void {
    this.hash.update(`${relativePath}\0${bytes.byteLength}\0`);
    this.hash.update(bytes);
    this.files++;
  }
  /** Like add, streaming the file (for large videos). */
  async addFile(relativePath: string, path: string): Promise<void> {
    const { size } = await stat(path);
    this.hash.update(`${relativePath}\0${size}\0`);
    for await (const chunk of createReadStream(path)) this.hash.update(chunk as Buffer);
    this.files++;
  }
  digest(): { sha256: string; files: number } {
    return { sha256: this.hash.copy().digest('hex'), files: this.files };
  }
}

/** Numeric-aware name order (`2` before `10`), independent of locale. */
export function naturalCompare(a: string, b: string): number {
  const na = Number(a);
  const nb = Number(b);
  if (Number.isFinite(na) && Number.isFinite(nb) && a !== '' && b !== '') return na - nb;
  return a < b ? -1 : a > b ? 1 : 0;
}
