import { createHash } from 'node:crypto';
import { createReadStream, createWriteStream } from 'node:fs';
import { mkdir, rename, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { Readable, Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { connect, type ConnectionOptions, type NatsConnection } from '@nats-io/transport-node';
import { jetstream, jetstreamManager, type JetStreamManager } from '@nats-io/jetstream';
import { Objm, StorageType, type ObjectInfo, type ObjectStore } from '@nats-io/obj';
import { ArtifactStoreError } from '../errors.js';
import { hashDirectory, hashFile, parseManifest } from './hash.js';
import { NatsLogStreams } from './nats-logs.js';
import type { ArtifactKind, ArtifactRef } from './ref.js';
import { checkStoreKey, type ArtifactStore } from './store.js';

export interface NatsArtifactStoreOptions {
  /** NATS server URL(s). */
  servers: string | string[];
  /** Object store bucket (created when missing), also naming the logs stream. */
  bucket: string;
  /** JetStream replicas when the bucket and the logs stream are created. */
  replicas?: number;
  /** Credentials and other connect options (`natsClientOptions(config)` minus `servers`). */
  connectOptions?: Partial<ConnectionOptions>;
  /** Where localPath() fetches artifacts to (default: a folder under the OS temp dir). */
  cacheDir?: string;
}

interface Opened {
  nc: NatsConnection;
  os: ObjectStore;
  jsm: JetStreamManager;
  logs: NatsLogStreams;
}

const BUCKET = /^[A-Za-z0-9_-]+$/;

/** The object store records `SHA-256=<base64url>` of the content; as hex. */
function digestHex(info: ObjectInfo): string | undefined {
  if (!info.digest.startsWith('SHA-256=')) return undefined;
  return Buffer.from(info.digest.slice('SHA-256='.length), 'base64url').toString('hex');
}

function blobKey(sha256: string): string {
  return `sha256/${sha256.slice(0, 2)}/${sha256}`;
}

/**
 * Artifacts in a NATS JetStream object store bucket (`nats://<bucket>`), for clusters where steps
 * run in their own pods: the stack already runs NATS with JetStream. Same digests as the local
 * store: a file is `sha256/<ab>/<sha256>`, a directory is its manifest at
 * `sha256/<ab>/<sha256>.manifest` with each file stored once under its own digest. JSON documents
 * are objects under `docs/`; logs are messages in a JetStream stream (NatsLogStreams). Connects
 * on first use, so it can be opened where a local store was constructed; close() when done.
 */
export class NatsArtifactStore implements ArtifactStore {
  readonly rootUri: string;
  private opened: Promise<Opened> | undefined;
  private readonly cacheDir: string;

  constructor(private readonly options: NatsArtifactStoreOptions) {
    if (!BUCKET.test(options.bucket)) throw new ArtifactStoreError(`artifact store nats://${options.bucket}: a bucket name is letters, digits, "_" or "-"`);
    this.rootUri = `nats://${options.bucket}`;
    this.cacheDir = options.cacheDir ?? join(tmpdir(), 'signflow-artifact-cache', options.bucket);
  }

  /** Opens the store now, so a bad server, credentials or permissions fail here rather than on first use. */
  static async connect(options: NatsArtifactStoreOptions): Promise<NatsArtifactStore> {
    const store = new NatsArtifactStore(options);
    await store.open();
    return store;
  }

  private open(): Promise<Opened> {
    this.opened ??= this.openNow();
    return this.opened;
  }

  private async openNow(): Promise<Opened> {
    const { servers, bucket } = this.options;
    let nc: NatsConnection;
    try {
      nc = await connect({ name: `signflow-artifacts-${bucket}`, timeout: 5000, ...this.options.connectOptions, servers });
    } catch (err) {
      this.opened = undefined;
      throw new ArtifactStoreError(`artifact store ${this.rootUri}: cannot connect to NATS at ${String(servers)}: start the stack (\`signflow up\`), or set nats.url and nats.credentials`, { cause: err });
    }
    try {
      const replicas = this.options.replicas ?? 1;
      const os = await new Objm(nc).create(bucket, { replicas, storage: StorageType.File, description: 'signflow artifacts' });
      const jsm = await jetstreamManager(nc);
      const logs = await NatsLogStreams.open(jetstream(nc), jsm, bucket, replicas);
      return { nc, os, jsm, logs };
    } catch (err) {
      await nc.close();
      this.opened = undefined;
      throw new ArtifactStoreError(`artifact store ${this.rootUri}: cannot open the object store bucket and logs stream (is JetStream enabled, and may this NATS user use it?)`, { cause: err });
    }
  }

  async close(): Promise<void> {
    const opened = await this.opened?.catch(() => undefined);
    this.opened = undefined;
    if (opened && !opened.nc.isClosed()) await opened.nc.close();
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
  private async holds(key: string, sha256: string): Promise<boolean> {
    const { os, jsm } = await this.open();
    const info = await os.info(key);
    if (!info || info.deleted || digestHex(info) !== sha256) return false;
    if (info.chunks === 0) return true;
    const subject = `$O.${this.options.bucket}.C.${info.nuid}`;
    const stream = await jsm.streams.info(`OBJ_${this.options.bucket}`, { subjects_filter: subject });
    return stream.state.subjects?.[subject] === info.chunks;
  }

  private async putFileAt(key: string, path: string, sha256: string): Promise<void> {
    if (await this.holds(key, sha256)) return;
    const { os } = await this.open();
    await os.put({ name: key }, Readable.toWeb(createReadStream(path)) as unknown as ReadableStream<Uint8Array>);
  }

  async put(path: string, kind: ArtifactKind, metadata: Record<string, unknown> = {}): Promise<ArtifactRef> {
    try {
      if ((await stat(path)).isDirectory()) {
        const h = await hashDirectory(path);
        for (const entry of h.entries) await this.putFileAt(blobKey(entry.sha256), join(path, ...entry.path.split('/')), entry.sha256);
        const key = `${blobKey(h.sha256)}.manifest`;
        if (!(await this.holds(key, h.sha256))) await (await this.open()).os.putBlob({ name: key }, Buffer.from(h.manifest));
        return { uri: this.uri(key), sha256: h.sha256, kind, sizeBytes: h.size, metadata: { ...metadata, directory: true } };
      }
      const h = await hashFile(path);
      await this.putFileAt(blobKey(h.sha256), path, h.sha256);
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
    if (!(await this.holds(key, sha256))) await (await this.open()).os.putBlob({ name: key }, bytes);
    return { uri: this.uri(key), sha256, kind, sizeBytes: bytes.length, metadata };
  }

  /** The manifest's entries when the directory `key` is whole: its manifest and every file. */
  private async directoryEntries(key: string, sha256: string): Promise<ReturnType<typeof parseManifest>> {
    if (!(await this.holds(key, sha256))) return undefined;
    const bytes = await (await this.open()).os.getBlob(key);
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

  private missing(uri: string): ArtifactStoreError {
    return new ArtifactStoreError(`artifact ${uri} is missing or incomplete in ${this.rootUri}: run the step that makes it again (a cached step whose artifact is gone reruns)`);
  }

  /** Streams object `key` to `path`, failing unless its content has digest `sha256`. */
  private async fetch(key: string, sha256: string, path: string): Promise<void> {
    if (!(await this.holds(key, sha256))) throw this.missing(this.uri(key));
    const result = await (await this.open()).os.get(key);
    if (!result) throw this.missing(this.uri(key));
    await mkdir(dirname(path), { recursive: true });
    const hash = createHash('sha256');
    const hashing = new Transform({
      transform(chunk: Buffer, _enc, done) {
        hash.update(chunk);
        done(null, chunk);
      },
    });
    await pipeline(Readable.fromWeb(result.data as Parameters<typeof Readable.fromWeb>[0]), hashing, createWriteStream(path));
    const got = hash.digest('hex');
    if (got !== sha256) throw new ArtifactStoreError(`artifact ${this.uri(key)} is corrupt: its content has sha256 ${got}, expected ${sha256}`);
  }

  private docKey(key: string): string {
    return `docs/${checkStoreKey(key)}`;
  }

  async writeJson(key: string, value: unknown): Promise<void> {
    await (await this.open()).os.putBlob({ name: this.docKey(key) }, Buffer.from(JSON.stringify(value)));
  }

  async readJson(key: string): Promise<unknown> {
    const bytes = await (await this.open()).os.getBlob(this.docKey(key));
    return bytes ? (JSON.parse(Buffer.from(bytes).toString('utf8')) as unknown) : undefined;
  }

  async appendLog(key: string, chunk: string): Promise<void> {
    await (await this.open()).logs.append(checkStoreKey(key), chunk);
  }

  async readLog(key: string, offset = 0): Promise<{ text: string; size: number } | undefined> {
    return (await this.open()).logs.read(checkStoreKey(key), offset);
  }

  logUri(key: string): string {
    return `${this.rootUri}/logs/${checkStoreKey(key)}`;
  }
}

