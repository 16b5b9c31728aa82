import { createHash, type Hash } from 'node:crypto';
import { open, rm, type FileHandle } from 'node:fs/promises';
import { join } from 'node:path';
import { DatasetSampleError } from '../errors.js';
import { frameFloats, type LandmarkLayout } from '../format/layout.js';
import {
  FORMAT_NAME,
  FORMAT_VERSION,
  FRAME_FLAG_NAMES,
  FrameFlag,
  manifestSchema,
  type Coordinates,
  type DatasetManifest,
  type DatasetSource,
  type FileEntry,
  type ProvenanceStep,
  type QualityCounts,
  type SampleIndexEntry,
  type SplitsInfo,
} from '../format/manifest.js';
import type { SampleInput } from '../format/sample.js';
import { blobKey, type BlobBackend } from './backend.js';
import { canonicalJson, sha256Hex } from './canonical.js';

export const TOOL = 'signflow-datasets 0.1.0';
const MAX_SKIPPED_ITEMS = 100;

export interface WriterOptions {
  name: string;
  description?: string;
  layout: LandmarkLayout;
  coordinates: Coordinates;
  /** Where the samples came from; importers may add theirs at the end with `addSource()` (once hashed). */
  sources?: DatasetSource[];
  parents?: string[];
  steps?: ProvenanceStep[];
}

/** What a committed version hands back. */
export interface WrittenVersion {
  id: string;
  manifest: DatasetManifest;
  /** Total bytes of manifest, index, flags and data. */
  sizeBytes: number;
}

interface Pending {
  entry: Omit<SampleIndexEntry, 'label'>;
}

/**
 * Builds one dataset version: samples stream to a staging file while their sha256 is taken;
 * `commit()` writes the blobs and the manifest. Every sample is checked (shape against the
 * layout, finite values, visibility in [0, 1], unique id): a bad sample throws
 * DatasetSampleError, and an importer that wants to go on calls `skip()` so the manifest
 * counts it.
 */
export class DatasetWriter {
  private readonly floatsPerFrame: number;
  private readonly pending: Pending[] = [];
  private readonly ids = new Set<string>();
  private readonly flags: Uint8Array[] = [];
  private readonly quality: QualityCounts = { frames: 0, flagged: {}, dropped: {}, skipped: {}, skippedItems: [] };
  private readonly hash: Hash = createHash('sha256');
  private frameOffset = 0;
  private dataBytes = 0;
  private handle: FileHandle | undefined;
  private staging: string | undefined;
  private splits: { info: Omit<SplitsInfo, 'file'>; folds: number[] } | undefined;
  private closed = false;
  private readonly sources: DatasetSource[];

  constructor(
    private readonly backend: BlobBackend,
    private readonly options: WriterOptions,
    private readonly onCommit: (version: WrittenVersion) => Promise<void>,
  ) {
    this.floatsPerFrame = frameFloats(options.layout);
    this.sources = [...(options.sources ?? [])];
  }

  addSource(source: DatasetSource): void {
    this.sources.push(source);
  }

  get sampleCount(): number {
    return this.pending.length;
  }

  private async file(): Promise<FileHandle> {
    if (!this.handle) {
      this.staging = await this.backend.stagingDir();
      this.handle = await open(join(this.staging, 'data.f32'), 'w');
    }
    return this.handle;
  }

  /** Checks and appends one sample. */
  async add(input: SampleInput): Promise<void> {
    if (this.closed) throw new Error('dataset writer already committed or aborted');
    const { id, data } = input;
    if (!id) throw new DatasetSampleError('(no id)', 'a sample needs an id');
    if (this.ids.has(id)) throw new DatasetSampleError(id, 'duplicate sample id in this version');
    if (!input.gloss) throw new DatasetSampleError(id, 'empty gloss (sign label)');
    if (!(input.fps > 0 && Number.isFinite(input.fps))) throw new DatasetSampleError(id, `fps must be a positive number, got ${input.fps}`);
    if (data.length === 0 || data.length % this.floatsPerFrame !== 0) {
      throw new DatasetSampleError(
        id,
        `data has ${data.length} floats, not a whole number of frames of ${this.floatsPerFrame} (${this.floatsPerFrame / 4} points × 4 channels of layout ${this.options.layout.id})`,
      );
    }
    const frames = data.length / this.floatsPerFrame;
    if (input.frames !== undefined && input.frames !== frames) throw new DatasetSampleError(id, `says ${input.frames} frames but data holds ${frames}`);
    const flags = input.flags ?? new Uint8Array(frames);
    if (flags.length !== frames) throw new DatasetSampleError(id, `flags has ${flags.length} entries for ${frames} frames`);
    for (let i = 0; i < data.length; i++) {
      const v = data[i] ?? Number.NaN;
      if (!Number.isFinite(v)) {
        const frame = Math.floor(i / this.floatsPerFrame);
        const point = Math.floor((i % this.floatsPerFrame) / 4);
        throw new DatasetSampleError(id, `non-finite value ${v} at frame ${frame}, point ${point}, channel ${i % 4}: mark missing landmarks with visibility 0 and zeros instead`);
      }
      if (i % 4 === 3 && (v < 0 || v > 1)) throw new DatasetSampleError(id, `visibility ${v} outside [0, 1] at frame ${Math.floor(i / this.floatsPerFrame)}`);
    }
    this.ids.add(id);
    const bytes = new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
    const chunk = isLittleEndian ? bytes : toLittleEndian(data);
    await (await this.file()).write(chunk);
    this.hash.update(chunk);
    this.dataBytes += chunk.byteLength;
    this.flags.push(flags);
    for (const name of FRAME_FLAG_NAMES) {
      const bit = FrameFlag[name];
      let n = 0;
      for (const f of flags) if (f & bit) n++;
      if (n > 0) this.quality.flagged[name] = (this.quality.flagged[name] ?? 0) + n;
    }
    this.quality.frames += frames;
    this.pending.push({
      entry: {
        id,
        gloss: input.gloss,
        signer: input.signer,
        source: input.source,
        fps: input.fps,
        cameras: [...input.cameras],
        frames,
        frameOffset: this.frameOffset,
        ...(input.meta ? { meta: input.meta } : {}),
      },
    });
    this.frameOffset += frames;
  }

  /** Counts an item (file, sequence, segment) left out, with the reason; it is listed in the manifest. */
  skip(item: string, reason: string, detail?: string): void {
    this.quality.skipped[reason] = (this.quality.skipped[reason] ?? 0) + 1;
    if (this.quality.skippedItems.length < MAX_SKIPPED_ITEMS) this.quality.skippedItems.push({ item, reason, ...(detail ? { detail } : {}) });
  }

  /** Counts frames a quality filter dropped, by flag name. */
  countDropped(flag: string, frames: number): void {
    if (frames > 0) this.quality.dropped[flag] = (this.quality.dropped[flag] ?? 0) + frames;
  }

  /** Carries a parent version's dropped-frame and skipped-item counts into this one. */
  inheritQuality(parent: QualityCounts): void {
    for (const [k, n] of Object.entries(parent.dropped)) this.quality.dropped[k] = (this.quality.dropped[k] ?? 0) + n;
    for (const [k, n] of Object.entries(parent.skipped)) this.quality.skipped[k] = (this.quality.skipped[k] ?? 0) + n;
    for (const item of parent.skippedItems) if (this.quality.skippedItems.length < MAX_SKIPPED_ITEMS) this.quality.skippedItems.push(item);
  }

  /** Fold of each sample in insertion order (from the split functions). */
  setSplits(info: Omit<SplitsInfo, 'file'>, folds: number[]): void {
    this.splits = { info, folds };
  }

  async abort(): Promise<void> {
    this.closed = true;
    await this.handle?.close();
    if (this.staging) await rm(this.staging, { recursive: true, force: true });
  }

  async commit(): Promise<WrittenVersion> {
    if (this.closed) throw new Error('dataset writer already committed or aborted');
    if (this.pending.length === 0) {
      await this.abort();
      const skipped = Object.entries(this.quality.skipped).map(([r, n]) => `${n} × ${r}`).join(', ');
      throw new DatasetSampleError('(none)', `no valid sample to write${skipped ? ` (skipped: ${skipped})` : ''}: check the source path and format`);
    }
    this.closed = true;
    const handle = await this.file();
    await handle.close();
    const staging = this.staging ?? '';
    try {
      const labels = [...new Set(this.pending.map((p) => p.entry.gloss))].sort();
      const labelOf = new Map(labels.map((g, i) => [g, i]));
      const index: SampleIndexEntry[] = this.pending.map((p) => ({ ...p.entry, label: labelOf.get(p.entry.gloss) ?? 0 }));
      const classCounts: Record<string, number> = {};
      const signerCounts: Record<string, number> = {};
      const cameras = new Set<string>();
      for (const e of index) {
        classCounts[e.gloss] = (classCounts[e.gloss] ?? 0) + 1;
        signerCounts[e.signer ?? ''] = (signerCounts[e.signer ?? ''] ?? 0) + 1;
        for (const c of e.cameras) cameras.add(c);
      }
      const flagsBytes = concat(this.flags);
      const indexBytes = new TextEncoder().encode(canonicalJson(index));
      const data: FileEntry = { sha256: this.hash.digest('hex'), bytes: this.dataBytes, encoding: 'float32le' };
      const flags: FileEntry = { sha256: sha256Hex(flagsBytes), bytes: flagsBytes.byteLength, encoding: 'uint8' };
      const indexEntry: FileEntry = { sha256: sha256Hex(indexBytes), bytes: indexBytes.byteLength, encoding: 'json' };
      let splits: SplitsInfo | undefined;
      let splitsBytes: Uint8Array | undefined;
      if (this.splits) {
        if (this.splits.folds.length !== index.length) throw new Error(`splits list ${this.splits.folds.length} folds for ${index.length} samples`);
        splitsBytes = new TextEncoder().encode(canonicalJson({ folds: this.splits.folds }));
        splits = { ...this.splits.info, file: { sha256: sha256Hex(splitsBytes), bytes: splitsBytes.byteLength, encoding: 'json' } };
      }
      const manifest: DatasetManifest = manifestSchema.parse({
        format: FORMAT_NAME,
        formatVersion: FORMAT_VERSION,
        name: this.options.name,
        ...(this.options.description ? { description: this.options.description } : {}),
        layout: this.options.layout,
        channels: ['x', 'y', 'z', 'visibility'],
        coordinates: this.options.coordinates,
        sampleCount: index.length,
        frameCount: this.frameOffset,
        labels,
        classCounts,
        signerCounts,
        cameras: [...cameras].sort(),
        fps: { min: Math.min(...index.map((e) => e.fps)), max: Math.max(...index.map((e) => e.fps)) },
        quality: this.quality,
        files: { data, flags, index: indexEntry },
        ...(splits ? { splits } : {}),
        provenance: { sources: this.sources, parents: this.options.parents ?? [], steps: this.options.steps ?? [], tool: TOOL },
      });
      const manifestBytes = new TextEncoder().encode(canonicalJson(manifest));
      const id = sha256Hex(manifestBytes);
      if (!(await this.backend.has(blobKey(data.sha256)))) await this.backend.putFile(blobKey(data.sha256), join(staging, 'data.f32'));
      await this.backend.put(blobKey(flags.sha256), flagsBytes);
      await this.backend.put(blobKey(indexEntry.sha256), indexBytes);
      if (splits && splitsBytes) await this.backend.put(blobKey(splits.file.sha256), splitsBytes);
      await this.backend.put(`versions/${id}.json`, manifestBytes);
      const version = { id, manifest, sizeBytes: data.bytes + flags.bytes + indexEntry.bytes + manifestBytes.byteLength };
      await this.onCommit(version);
      return version;
    } finally {
      await rm(staging, { recursive: true, force: true });
    }
  }
}

const isLittleEndian = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

function toLittleEndian(data: Float32Array): Uint8Array {
  const out = new DataView(new ArrayBuffer(data.byteLength));
  data.forEach((v, i) => out.setFloat32(i * 4, v, true));
  return new Uint8Array(out.buffer);
}

function concat(parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.byteLength, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.byteLength;
  }
  return out;
}
