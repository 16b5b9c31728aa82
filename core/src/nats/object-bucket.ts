import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { open as openFile, type FileHandle } from 'node:fs/promises';
import { Readable } from 'node:stream';
import { connect, type ConnectionOptions, type NatsConnection } from '@nats-io/transport-node';
import { jetstreamManager, type JetStreamManager } from '@nats-io/jetstream';
import { Objm, StorageType, type ObjectInfo, type ObjectStore } from '@nats-io/obj';
import { NatsObjectStoreError, type NatsObjectFailure } from '../errors.js';

export interface NatsObjectBucketOptions {
  /** NATS server URL(s). */
  servers: string | string[];
  /** Object store bucket (created when missing): letters, digits, "_" or "-". */
  bucket: string;
  /** JetStream replicas when the bucket is created (1 on one server, 3 on a three-node cluster). */
  replicas?: number;
  /** Credentials and other connect options (`natsClientOptions(config)` minus `servers`). */
  connectOptions?: Partial<ConnectionOptions>;
  /** The connection's name as the server lists it (default `signflow-<bucket>`). */
  clientName?: string;
  /** The bucket's description when it is created. */
  description?: string;
  /** A read that delivers no chunk for this long fails (default 30 s). */
  readIdleTimeoutMs?: number;
  /** Runs on the new connection once the bucket is open (a companion stream, say); when it throws, opening fails. */
  onOpen?: (opened: OpenedBucket) => Promise<void>;
}

export interface OpenedBucket {
  nc: NatsConnection;
  jsm: JetStreamManager;
  os: ObjectStore;
}

/** What the bucket records of an object that is there. */
export interface ObjectStat {
  key: string;
  size: number;
  /** Messages the object's bytes are split into (0 for an empty object). */
  chunks: number;
  /** sha256 of the content as hex, from the digest the object store recorded. */
  sha256: string | undefined;
  modified: string;
}

const BUCKET_NAME = /^[A-Za-z0-9_-]+$/;

/** The object store records `SHA-256=<base64url>` of the content; as hex. */
function digestHex(info: ObjectInfo): string | undefined {
  if (!info.digest.startsWith('SHA-256=')) return undefined;
  return Buffer.from(info.digest.slice('SHA-256='.length), 'base64url').toString('hex');
}

function messageOf(err: unknown): string {
  return err instanceof Error ? (err.message.split('\n')[0] ?? err.message) : String(err);
}

/**
 * One NATS JetStream object store bucket, the one way signflow keeps bytes in NATS (artifacts,
 * models, dataset versions). Connects on first use (or at `connect()`), creating the bucket when
 * missing; objects larger than the server's max payload are split into chunks by the object
 * store. Integrity: `holds()` says whether a key has content of a given sha256 with every chunk
 * still in the stream, a put can be skipped when it does and is checked against that sha256
 * after writing, and a read fails on a missing, short, over-long or digest-failing object or one
 * whose chunks stop coming. Every failure is a NatsObjectStoreError with a `reason`.
 */
export class NatsObjectBucket {
  readonly bucket: string;
  private opened: Promise<OpenedBucket> | undefined;
  readonly readIdleTimeoutMs: number;

  constructor(private readonly options: NatsObjectBucketOptions) {
    if (!BUCKET_NAME.test(options.bucket)) {
      throw new NatsObjectStoreError('bad-input', options.bucket, undefined, `NATS object store nats://${options.bucket}: a bucket name is letters, digits, "_" or "-"`);
    }
    this.bucket = options.bucket;
    this.readIdleTimeoutMs = options.readIdleTimeoutMs ?? 30_000;
  }

  /** Opens the bucket now, so a bad server, credentials or permissions fail here rather than on first use. */
  static async connect(options: NatsObjectBucketOptions): Promise<NatsObjectBucket> {
    const bucket = new NatsObjectBucket(options);
    await bucket.open();
    return bucket;
  }

  uri(key: string): string {
    return `nats://${this.bucket}/${key}`;
  }

  /** The connection and bucket, opened once; a failed open is tried again by the next call. */
  open(): Promise<OpenedBucket> {
    this.opened ??= this.openNow();
    return this.opened;
  }

  private async openNow(): Promise<OpenedBucket> {
    const { servers, bucket } = this.options;
    let nc: NatsConnection;
    try {
      nc = await connect({ name: this.options.clientName ?? `signflow-${bucket}`, timeout: 5000, ...this.options.connectOptions, servers });
    } catch (err) {
      this.opened = undefined;
      throw new NatsObjectStoreError('connect', bucket, undefined, `NATS object store nats://${bucket}: cannot connect to NATS at ${String(servers)} (${messageOf(err)}): start the stack (\`signflow up\`), or set nats.url and nats.credentials`, { cause: err });
    }
    try {
      const description = this.options.description;
      const os = await new Objm(nc).create(bucket, { replicas: this.options.replicas ?? 1, storage: StorageType.File, ...(description ? { description } : {}) });
      const opened = { nc, os, jsm: await jetstreamManager(nc) };
      await this.options.onOpen?.(opened);
      return opened;
    } catch (err) {
      await nc.close();
      this.opened = undefined;
      throw new NatsObjectStoreError('open', bucket, undefined, `NATS object store nats://${bucket}: cannot open the bucket (${messageOf(err)}): is JetStream enabled, and may this NATS user use it?`, { cause: err });
    }
  }

  async close(): Promise<void> {
    const opened = await this.opened?.catch(() => undefined);
    this.opened = undefined;
    if (opened && !opened.nc.isClosed()) await opened.nc.close();
  }

  private failure(reason: NatsObjectFailure, key: string, message: string, cause?: unknown): NatsObjectStoreError {
    return new NatsObjectStoreError(reason, this.bucket, key, message, cause === undefined ? {} : { cause });
  }

  private checkKey(key: string): void {
    if (key.split('/').some((part) => part === '..' || part === '')) {
      throw this.failure('bad-input', key, `NATS object store nats://${this.bucket}: bad object key ${JSON.stringify(key)} (slash-separated names, no empty or ".." part)`);
    }
  }

  /** The bucket's own calls (info, list, stream state) failing: the server or the user's permissions. */
  private async reading<T>(key: string, call: (opened: OpenedBucket) => Promise<T>): Promise<T> {
    const opened = await this.open();
    try {
      return await call(opened);
    } catch (err) {
      throw this.failure('read-failed', key, `cannot read ${this.uri(key)}: ${messageOf(err)}`, err);
    }
  }

  /** The object under `key`, or undefined when there is none (or it was deleted). */
  async stat(key: string): Promise<ObjectStat | undefined> {
    this.checkKey(key);
    const info = await this.reading(key, ({ os }) => os.info(key));
    if (!info || info.deleted) return undefined;
    return { key, size: info.size, chunks: info.chunks, sha256: digestHex(info), modified: info.mtime };
  }

  /** True when `key` holds content with digest `sha256` and every chunk is still in the stream. */
  async holds(key: string, sha256: string): Promise<boolean> {
    this.checkKey(key);
    return this.reading(key, async ({ os, jsm }) => {
      const info = await os.info(key);
      if (!info || info.deleted || digestHex(info) !== sha256) return false;
      if (info.chunks === 0) return true;
      const subject = `$O.${this.bucket}.C.${info.nuid}`;
      const stream = await jsm.streams.info(`OBJ_${this.bucket}`, { subjects_filter: subject });
      return stream.state.subjects?.[subject] === info.chunks;
    });
  }

  /** Keys of the objects whose key starts with `prefix`, sorted. */
  async list(prefix = ''): Promise<string[]> {
    const infos = await this.reading(prefix, ({ os }) => os.list());
    return infos
      .filter((info) => !info.deleted && info.name.startsWith(prefix))
      .map((info) => info.name)
      .sort();
  }

  /** Deletes the object (its chunks are purged); false when there was none. */
  async delete(key: string): Promise<boolean> {
    if (!(await this.stat(key))) return false; // the object store reports success on an already deleted one
    const { os } = await this.open();
    try {
      return (await os.delete(key)).success;
    } catch (err) {
      throw this.failure('write-failed', key, `cannot delete ${this.uri(key)}: ${messageOf(err)}`, err);
    }
  }

  /**
   * Stores the bytes of a local file under `key`. With `sha256` (the content's digest, as for
   * content-addressed keys) nothing is written when the bucket already holds it whole, and what
   * was written must have that digest. Returns whether it wrote.
   */
  putFile(key: string, path: string, expect: { sha256?: string } = {}): Promise<boolean> {
    return this.write(key, expect.sha256, (os) => os.put({ name: key }, Readable.toWeb(createReadStream(path)) as unknown as ReadableStream<Uint8Array>));
  }

  /** Stores `bytes` under `key`; `sha256` as for putFile. */
  putBytes(key: string, bytes: Uint8Array, expect: { sha256?: string } = {}): Promise<boolean> {
    return this.write(key, expect.sha256, (os) => os.putBlob({ name: key }, bytes));
  }

  private async write(key: string, sha256: string | undefined, put: (os: ObjectStore) => Promise<ObjectInfo>): Promise<boolean> {
    this.checkKey(key);
    if (sha256 !== undefined && (await this.holds(key, sha256))) return false;
    const { os } = await this.open();
    let info: ObjectInfo;
    try {
      info = await put(os);
    } catch (err) {
      throw this.failure('write-failed', key, `cannot store ${this.uri(key)}: ${messageOf(err)}`, err);
    }
    const got = digestHex(info);
    if (sha256 !== undefined && got !== sha256) {
      throw this.failure('corrupt', key, `object ${this.uri(key)} was stored with sha256 ${got ?? 'unknown'}, expected ${sha256} (did its source change while it was stored?)`);
    }
    return true;
  }

  /**
   * The whole object, or `length` bytes from `offset` (reading chunks only up to the range). A
   * whole read is checked against the object's recorded size and digest.
   */
  async get(key: string, range?: { offset: number; length: number }): Promise<Uint8Array> {
    if (range && !(Number.isSafeInteger(range.offset) && Number.isSafeInteger(range.length) && range.offset >= 0 && range.length >= 0)) {
      throw this.failure('bad-input', key, `object ${this.uri(key)}: bad range ${JSON.stringify(range)} (offset and length are whole numbers ≥ 0)`);
    }
    let out: Uint8Array | undefined;
    let at = 0;
    await this.read(key, range, (size) => {
      out = new Uint8Array(size);
    }, (bytes) => {
      out?.set(bytes, at);
      at += bytes.byteLength;
    });
    return out ?? new Uint8Array(0);
  }

  /** Streams the whole object to the local file `path` (created or replaced); its sha256 (hex) and size. */
  async download(key: string, path: string): Promise<{ sha256: string; size: number }> {
    const hash = createHash('sha256');
    let file: FileHandle | undefined;
    let size = 0;
    try {
      await this.read(
        key,
        undefined,
        async () => {
          file = await openFile(path, 'w'); // once the object is found: a missing one leaves no file
        },
        async (bytes) => {
          hash.update(bytes);
          size += bytes.byteLength;
          await file?.write(bytes);
        },
      );
    } finally {
      await file?.close();
    }
    return { sha256: hash.digest('hex'), size };
  }

  /**
   * Reads an object's chunks in order, handing `sink` the bytes in the range; `range` stops early
   * once it has its bytes. The object store checks the whole object's digest on a full read (a lost
   * or altered chunk fails it); a read that gets no chunk for readIdleTimeoutMs fails.
   */
  private async read(key: string, range: { offset: number; length: number } | undefined, begin: (size: number) => void | Promise<void>, sink: (bytes: Uint8Array) => void | Promise<void>): Promise<void> {
    this.checkKey(key);
    const { os } = await this.open();
    const result = await os.get(key).catch((err: unknown) => {
      throw this.failure('read-failed', key, `cannot read ${this.uri(key)}: ${messageOf(err)}`, err);
    });
    if (!result) throw this.failure('missing', key, `object ${this.uri(key)} is missing`);
    const size = result.info.size;
    const want = range ? { from: range.offset, to: range.offset + range.length } : { from: 0, to: size };
    if (want.to > size) {
      await result.data.cancel();
      throw this.failure('truncated', key, `object ${this.uri(key)} is truncated: wanted ${want.to - want.from} bytes at ${want.from}, it holds ${size}`);
    }
    try {
      await begin(want.to - want.from);
    } catch (err) {
      await result.data.cancel();
      throw err;
    }
    const reader = result.data.getReader();
    let at = 0;
    let timer: NodeJS.Timeout | undefined;
    let sinkFailure: unknown;
    const idle = () =>
      new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(this.failure('stalled', key, `object ${this.uri(key)} stalled: no chunk for ${this.readIdleTimeoutMs} ms (chunks missing from the bucket?)`)), this.readIdleTimeoutMs);
      });
    const next = async () => {
      const chunk = await Promise.race([reader.read(), idle()]);
      clearTimeout(timer);
      return chunk;
    };
    try {
      while (at < want.to) {
        const { done, value } = await next();
        if (done) break;
        const start = Math.max(want.from, at);
        const end = Math.min(want.to, at + value.byteLength);
        if (end > start) {
          try {
            await sink(value.subarray(start - at, end - at));
          } catch (err) {
            sinkFailure = err;
            throw err;
          }
        }
        at += value.byteLength;
      }
      if (at < want.to) throw this.failure('truncated', key, `object ${this.uri(key)} is truncated: ${at} of ${size} bytes readable (chunks missing)`);
      if (!range) {
        // drain to the end so the digest check runs and reports a corrupt object (an empty object is one empty chunk)
        for (;;) {
          const { done, value } = await next();
          if (done) break;
          if (value.byteLength > 0) throw this.failure('corrupt', key, `object ${this.uri(key)} holds more than its recorded ${size} bytes`);
        }
      }
    } catch (err) {
      if (err instanceof NatsObjectStoreError || err === sinkFailure) throw err;
      throw this.failure('corrupt', key, `object ${this.uri(key)} is corrupt: ${messageOf(err)}`, err);
    } finally {
      clearTimeout(timer);
      if (range || at < want.to) await reader.cancel().catch(() => undefined);
      try {
        reader.releaseLock();
      } catch {
        // a read still pending after a timeout: the stream is cancelled, nothing left to release
      }
    }
  }
}
