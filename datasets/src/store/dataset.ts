import { DatasetStoreError } from '../errors.js';
import { CHANNELS, componentOffsets, layoutPointCount, type LandmarkLayout } from '../format/layout.js';
import { sampleIndexEntrySchema, splitsFileSchema, type DatasetManifest, type SampleIndexEntry } from '../format/manifest.js';
import type { SignSample } from '../format/sample.js';
import { resampleFrames } from '../preprocess/resample.js';
import { blobKey } from './backend.js';
import { sha256Hex } from './canonical.js';
import type { DatasetStore } from './store.js';

export type Channel = (typeof CHANNELS)[number];

export interface ArraysOptions {
  /** Samples to take, by position (e.g. a fold's train indices); default all. */
  indices?: readonly number[];
  /** Resample every sample to this many frames; required unless all samples have the same length. */
  frames?: number;
  /** Components to keep, in this order (default: all of the layout). */
  components?: readonly string[];
  /** Channels per point, in this order (default x, y, z, visibility). */
  channels?: readonly Channel[];
}

/** Training arrays: `x` is float32 [n][frames][features] with features = points × channels. */
export interface DatasetArrays {
  x: Float32Array;
  /** [n, frames, features] */
  shape: [number, number, number];
  /** Label index of each sample (into `labels`). */
  y: Int32Array;
  labels: string[];
  ids: string[];
  signers: (string | null)[];
  points: number;
  channels: Channel[];
}

/** An opened, verified dataset version: index and flags in memory, frames read on demand. */
export class Dataset {
  private data: Uint8Array | undefined;

  private constructor(
    readonly store: DatasetStore,
    readonly id: string,
    readonly manifest: DatasetManifest,
    readonly index: readonly SampleIndexEntry[],
    private readonly flags: Uint8Array,
  ) {}

  static async open(store: DatasetStore, id: string): Promise<Dataset> {
    const manifest = await store.manifest(id);
    const indexBytes = await verifiedBlob(store, id, 'index', manifest.files.index.sha256);
    const flags = await verifiedBlob(store, id, 'flags', manifest.files.flags.sha256);
    const parsed = sampleIndexEntrySchema.array().safeParse(JSON.parse(new TextDecoder().decode(indexBytes)));
    if (!parsed.success) throw new DatasetStoreError(`version ${id}: index.json does not follow the format`);
    if (parsed.data.length !== manifest.sampleCount) throw new DatasetStoreError(`version ${id}: index lists ${parsed.data.length} samples, manifest ${manifest.sampleCount}`);
    return new Dataset(store, id, manifest, parsed.data, flags);
  }

  get size(): number {
    return this.index.length;
  }
  get layout(): LandmarkLayout {
    return this.manifest.layout;
  }
  get labels(): string[] {
    return this.manifest.labels;
  }
  get points(): number {
    return layoutPointCount(this.manifest.layout);
  }

  /** Reads the whole data file once and checks its sha256 (then samples come from memory). */
  async load(): Promise<void> {
    if (this.data) return;
    const bytes = await verifiedBlob(this.store, this.id, 'data', this.manifest.files.data.sha256);
    this.data = bytes;
  }

  /** The sample at position `i` (storage order). */
  async sample(i: number): Promise<SignSample> {
    const e = this.index[i];
    if (!e) throw new RangeError(`sample ${i} out of range 0..${this.size - 1}`);
    const stride = this.points * 4 * 4;
    const byteOffset = e.frameOffset * stride;
    const byteLength = e.frames * stride;
    const bytes = this.data
      ? this.data.slice(byteOffset, byteOffset + byteLength)
      : await this.store.backend.getRange(blobKey(this.manifest.files.data.sha256), byteOffset, byteLength);
    return {
      id: e.id,
      gloss: e.gloss,
      signer: e.signer,
      source: e.source,
      fps: e.fps,
      cameras: e.cameras,
      frames: e.frames,
      data: floatsOf(bytes),
      flags: this.flags.slice(e.frameOffset, e.frameOffset + e.frames),
      ...(e.meta ? { meta: e.meta } : {}),
    };
  }

  async *samples(indices?: readonly number[]): AsyncGenerator<SignSample> {
    for (const i of indices ?? this.index.keys()) yield await this.sample(i);
  }

  /** Fold of each sample, when the version was split. */
  async folds(): Promise<number[] | undefined> {
    const info = this.manifest.splits;
    if (!info) return undefined;
    const bytes = await verifiedBlob(this.store, this.id, 'splits', info.file.sha256);
    return splitsFileSchema.parse(JSON.parse(new TextDecoder().decode(bytes))).folds;
  }

  /** Train and test positions for one fold of a split version (test = that fold). */
  async fold(k: number): Promise<{ train: number[]; test: number[] }> {
    const folds = await this.folds();
    if (!folds) throw new DatasetStoreError(`version ${this.id} has no splits: make one with \`signflow dataset split\``);
    const n = this.manifest.splits?.k ?? 0;
    if (!Number.isInteger(k) || k < 0 || k >= n) throw new RangeError(`fold ${k} out of range 0..${n - 1}`);
    const train: number[] = [];
    const test: number[] = [];
    folds.forEach((f, i) => (f === k ? test : train).push(i));
    return { train, test };
  }

  /** Stacks samples into training arrays (see ArraysOptions). */
  async toArrays(options: ArraysOptions = {}): Promise<DatasetArrays> {
    await this.load();
    const indices = options.indices ?? [...this.index.keys()];
    const channels = [...(options.channels ?? CHANNELS)];
    const channelIdx = channels.map((c) => CHANNELS.indexOf(c));
    const offsets = componentOffsets(this.layout);
    const names = options.components ?? this.layout.components.map((c) => c.name);
    const pointIdx: number[] = [];
    for (const name of names) {
      const o = offsets.get(name);
      if (!o) throw new RangeError(`component ${name} is not in layout ${this.layout.id} (${[...offsets.keys()].join(', ')})`);
      for (let p = 0; p < o.component.points; p++) pointIdx.push(o.start + p);
    }
    const lengths = new Set(indices.map((i) => this.index[i]?.frames ?? 0));
    const frames = options.frames ?? (lengths.size === 1 ? [...lengths][0] ?? 0 : 0);
    if (frames <= 0) throw new RangeError(`samples have ${lengths.size} different lengths: pass frames to resample them to one length`);
    const features = pointIdx.length * channels.length;
    const x = new Float32Array(indices.length * frames * features);
    const y = new Int32Array(indices.length);
    const ids: string[] = [];
    const signers: (string | null)[] = [];
    let n = 0;
    for (const i of indices) {
      const s = await this.sample(i);
      const fixed = s.frames === frames ? s : { ...s, ...resampleFrames(s.data, s.flags, this.points, frames) };
      let o = n * frames * features;
      for (let f = 0; f < frames; f++) {
        for (const p of pointIdx) {
          const base = (f * this.points + p) * 4;
          for (const c of channelIdx) x[o++] = fixed.data[base + c] ?? 0;
        }
      }
      y[n] = this.index[i]?.label ?? 0;
      ids.push(s.id);
      signers.push(s.signer);
      n++;
    }
    return { x, shape: [indices.length, frames, features], y, labels: [...this.labels], ids, signers, points: pointIdx.length, channels };
  }
}

async function verifiedBlob(store: DatasetStore, id: string, what: string, sha: string): Promise<Uint8Array> {
  const bytes = await store.backend.get(blobKey(sha));
  if (sha256Hex(bytes) !== sha) throw new DatasetStoreError(`version ${id}: ${what} file fails its sha256 check (corrupt store): re-import the dataset`);
  return bytes;
}

function floatsOf(bytes: Uint8Array): Float32Array {
  const copy = bytes.byteOffset % 4 === 0 ? bytes : bytes.slice();
  const out = new Float32Array(copy.buffer, copy.byteOffset, copy.byteLength / 4);
  return isLittleEndian ? out : Float32Array.from({ length: out.length }, (_, i) => new DataView(copy.buffer, copy.byteOffset).getFloat32(i * 4, true));
}

const isLittleEndian = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;
