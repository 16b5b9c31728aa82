import { createHash } from 'node:crypto';
import { mkdir, rename, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { jetstream } from '@nats-io/jetstream';
import { ArtifactStoreError, NatsObjectStoreError } from '../errors.js';
import { NatsObjectBucket, type NatsObjectBucketOptions } from '../nats/object-bucket.js';
import { hashDirectory, hashFile, parseManifest } from './hash.js';
import { NatsLogStreams } from './nats-logs.js';
import type { ArtifactKind, ArtifactRef } from './ref.js';
import { checkStoreKey, type ArtifactStore } from './store.js';

/**
 * Where the bucket is and how to reach it (see NatsObjectBucketOptions); `bucket` also names the
 * logs stream, and `replicas` applies to both.
 */
export interface NatsArtifactStoreOptions extends Pick<NatsObjectBucketOptions, 'servers' | 'bucket' | 'replicas' | 'connectOptions'> {
  /** Where localPath() fetches artifacts to (default: a folder under the OS temp dir). */
  cacheDir?: string;
}

function blobKey(sha256: string): string {
  return `sha256/${sha256.slice(0, 2)}/${sha256}`;
}

/**
 * Artifacts in a NATS JetStream object store bucket (`nats://<bucket>`, core's NatsObjectBucket),
 * for clusters where steps run in their own pods: the stack already runs NATS with JetStream. Same
 * digests as the local store: a file is `sha256/<ab>/<sha256>`, a directory is its manifest at
 * `sha256/<ab>/<sha256>.manifest` with each file stored once under its own digest. JSON documents
 * are objects under `docs/`; logs are messages in a JetStream stream (NatsLogStreams) opened on
 * the bucket's connection. Connects on first use, so it can be opened where a local store was
 * constructed; close() when done.
 */
export class NatsArtifactStore implements ArtifactStore {
  readonly rootUri: string;
  private readonly objects: NatsObjectBucket;
  private logs: NatsLogStreams | undefined;
  private readonly cacheDir: string;

  constructor(private readonly options: NatsArtifactStoreOptions) {
    this.rootUri = `nats://${options.bucket}`;
    this.cacheDir = options.cacheDir ?? join(tmpdir(), 'signflow-artifact-cache', options.bucket);
    const { servers, bucket, connectOptions } = options;
    const replicas = options.replicas ?? 1;
    try {
      this.objects = new NatsObjectBucket({
        servers,
        bucket,
        replicas,
        ...(connectOptions ? { connectOptions } : {}),
        clientName: `signflow-artifacts-${bucket}`,
        description: 'signflow artifacts',
        onOpen: async ({ nc, jsm }) => {
          this.logs = await NatsLogStreams.open(jetstream(nc), jsm, bucket, replicas);
        },
      });
    } catch (err) {
      throw new ArtifactStoreError(`artifact store ${this.rootUri}: a bucket name is letters, digits, "_" or "-"`, { cause: err });
    }
  }

  /** Opens the store now, so a bad server, credentials or permissions fail here rather than on first use. */
  static async connect(options: NatsArtifactStoreOptions): Promise<NatsArtifactStore> {
    const store = new NatsArtifactStore(options);
    await store.logStreams();
    return store;
  }

  /** The logs stream, once the bucket and it are open on the store's connection. */
  private async logStreams(): Promise<NatsLogStreams> {
    await this.call(() => this.objects.open());
    if (!this.logs) throw new ArtifactStoreError(`artifact store ${this.rootUri}: the logs stream is not open`);
    return this.logs;
  }

  async close(): Promise<void> {
    await this.objects.close();
    this.logs = undefined;
  }

  /** Runs a bucket operation, wording its failure as the artifact store's. */
  private async call<T>(operation: () => Promise<T>): Promise<T> {
    try {
      return await operation();
    } catch (err) {
      if (!(err instanceof NatsObjectStoreError)) throw err;
      switch (err.reason) {
        case 'connect':
          throw new ArtifactStoreError(`artifact store ${this.rootUri}: cannot connect to NATS at ${String(this.options.servers)}: start the stack (\`signflow up\`), or set nats.url and nats.credentials`, { cause: err });
        case 'open':
          throw new ArtifactStoreError(`artifact store ${this.rootUri}: cannot open the object store bucket and logs stream (is JetStream enabled, and may this NATS user use it?)`, { cause: err });
        case 'missing':
          throw this.missing(err.uri, err);
        default:
          throw new ArtifactStoreError(`artifact store ${this.rootUri}: ${err.message}`, { cause: err });
      }
    }
  }

  private uri(key: string): string {
    return `${this.rootUri}/${key}`;
  }

  /** The object key an artifact of this store names; undefined for another store's artifact. */
  private keyOf(ref: ArtifactRef): string | undefined {
    const prefix = `${this.rootUri}/`;
    if (!ref.uri.startsWith(prefix)) return undefined;
    const key = ref.uri.slice(prefix.length);
    return key === blobKey(ref.sha256) || key === `${blobKey(ref.sha256)}.manifest` ? key : undefined;
  }

  /** True when `key` holds content with digest `sha256` and every chunk is still in the stream. */
  private holds(key: string, sha256: string): Promise<boolean> {
    return this.call(() => this.objects.holds(key, sha256));
  }

  async put(path: string, kind: ArtifactKind, metadata: Record<string, unknown> = {}): Promise<ArtifactRef> {
    try {
      if ((await stat(path)).isDirectory()) {
        const h = await hashDirectory(path);
        for (const entry of h.entries) await this.call(() => this.objects.putFile(blobKey(entry.sha256), join(path, ...entry.path.split('/')), { sha256: entry.sha256 }));
        const key = `${blobKey(h.sha256)}.manifest`;
        await this.call(() => this.objects.putBytes(key, Buffer.from(h.manifest), { sha256: h.sha256 }));
        return { uri: this.uri(key), sha256: h.sha256, kind, sizeBytes: h.size, metadata: { ...metadata, directory: true } };
      }
      const h = await hashFile(path);
      await this.call(() => this.objects.putFile(blobKey(h.sha256), path, { sha256: h.sha256 }));
      return { uri: this.uri(blobKey(h.sha256)), sha256: h.sha256, kind, sizeBytes: h.size, metadata };
    } catch (err) {
      if (err instanceof ArtifactStoreError) throw err;
      throw new ArtifactStoreError(`cannot store ${path} in ${this.rootUri}: ${err instanceof Error ? err.message : String(err)}`, { cause: err });
    }
  }

  async putBytes(data: Uint8Array | string, kind: ArtifactKind, metadata: Record<string, unknown> = {}): Promise<ArtifactRef> {
    const bytes = typeof data === 'string' ? Buffer.from(data) : data;
    const sha256 = createHash('sha256').update(bytes).digest('hex');
    const key = blobKey(sha256);
    await this.call(() => this.objects.putBytes(key, bytes, { sha256 }));
    return { uri: this.uri(key), sha256, kind, sizeBytes: bytes.length, metadata };
  }

  /** The object's bytes, or undefined when there is none. */
  private getIfThere(key: string): Promise<Uint8Array | undefined> {
    return this.call(() =>
      this.objects.get(key).catch((err: unknown) => {
        if (err instanceof NatsObjectStoreError && err.reason === 'missing') return undefined;
        throw err;
      }),
    );
  }

  /** The manifest's entries when the directory `key` is whole: its manifest and every file. */
  private async directoryEntries(key: string, sha256: string): Promise<ReturnType<typeof parseManifest>> {
    if (!(await this.holds(key, sha256))) return undefined;
    const bytes = await this.getIfThere(key);
    return bytes ? parseManifest(Buffer.from(bytes).toString('utf8')) : undefined;
  }

  async exists(ref: ArtifactRef): Promise<boolean> {
    const key = this.keyOf(ref);
    if (!key) return false;
    if (!key.endsWith('.manifest')) return this.holds(key, ref.sha256);
    const entries = await this.directoryEntries(key, ref.sha256);
    if (!entries) return false;
    for (const entry of entries) if (!(await this.holds(blobKey(entry.sha256), entry.sha256))) return false;
    return true;
  }

  /** Fetches the artifact into the cache (checked against its sha256) once; later calls reuse it. */
  async localPath(ref: ArtifactRef): Promise<string> {
    const key = this.keyOf(ref);
    if (!key) throw new ArtifactStoreError(`artifact ${ref.uri}: not in the artifact store ${this.rootUri}`);
    const dest = join(this.cacheDir, blobKey(ref.sha256));
    if (await stat(dest).then(() => true, () => false)) return dest;
    await mkdir(dirname(dest), { recursive: true });
    const tmp = `${dest}.${process.pid}.${Date.now()}.tmp`;
    try {
      if (key.endsWith('.manifest')) {
        const entries = await this.directoryEntries(key, ref.sha256);
        if (!entries) throw this.missing(ref.uri);
        await mkdir(tmp, { recursive: true });
        for (const entry of entries) await this.fetch(blobKey(entry.sha256), entry.sha256, join(tmp, ...entry.path.split('/')));
      } else {
        await this.fetch(key, ref.sha256, tmp);
      }
      await rename(tmp, dest).catch((err: unknown) => {
        const code = (err as NodeJS.ErrnoException).code;
        if (code !== 'ENOTEMPTY' && code !== 'EEXIST') throw err; // fetched by another call meanwhile
      });
      return dest;
    } finally {
      await rm(tmp, { recursive: true, force: true });
    }
  }

  private missing(uri: string, cause?: unknown): ArtifactStoreError {
    return new ArtifactStoreError(`artifact ${uri} is missing or incomplete in ${this.rootUri}: run the step that makes it again (a cached step whose artifact is gone reruns)`, cause === undefined ? {} : { cause });
  }

  /** Streams object `key` to `path`, failing unless its content has digest `sha256`. */
  private async fetch(key: string, sha256: string, path: string): Promise<void> {
    if (!(await this.holds(key, sha256))) throw this.missing(this.uri(key));
    await mkdir(dirname(path), { recursive: true });
    const got = await this.call(() => this.objects.download(key, path));
    if (got.sha256 !== sha256) throw new ArtifactStoreError(`artifact ${this.uri(key)} is corrupt: its content has sha256 ${got.sha256}, expected ${sha256}`);
  }

  private docKey(key: string): string {
    return `docs/${checkStoreKey(key)}`;
  }

  async writeJson(key: string, value: unknown): Promise<void> {
    const name = this.docKey(key);
    await this.call(() => this.objects.putBytes(name, Buffer.from(JSON.stringify(value))));
  }

  async readJson(key: string): Promise<unknown> {
    const bytes = await this.getIfThere(this.docKey(key));
    return bytes ? (JSON.parse(Buffer.from(bytes).toString('utf8')) as unknown) : undefined;
  }

  async appendLog(key: string, chunk: string): Promise<void> {
    await (await this.logStreams()).append(checkStoreKey(key), chunk);
  }

  async readLog(key: string, offset = 0): Promise<{ text: string; size: number } | undefined> {
    return (await this.logStreams()).read(checkStoreKey(key), offset);
  }

  logUri(key: string): string {
    return `${this.rootUri}/logs/${checkStoreKey(key)}`;
  }
}
