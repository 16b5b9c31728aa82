import { createReadStream } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { connect, type ConnectionOptions, type NatsConnection } from '@nats-io/transport-node';
import { jetstreamManager, type JetStreamManager } from '@nats-io/jetstream';
import { Objm, StorageType, type ObjectInfo, type ObjectStore } from '@nats-io/obj';
import { DatasetStoreError } from '../errors.js';
import type { BlobBackend } from './backend.js';

export interface NatsObjectBackendOptions {
  /** NATS server URL(s). */
  servers: string | string[];
  /** Object store bucket (created when missing). */
  bucket: string;
  /** JetStream replicas when the bucket is created (1 on one server, 3 on a three-node cluster). */
  replicas?: number;
  /** Extra connect options (credentials of the service user, name, timeout). */
  connectOptions?: Partial<ConnectionOptions>;
  /** A read that delivers no chunk for this long fails (default 30 s). */
  readIdleTimeoutMs?: number;
}

/** Keys whose last path part is the sha256 of their content: content-addressed, never overwritten. */
function contentShaOfKey(key: string): string | undefined {
  return /^blobs\/sha256\/[0-9a-f]{2}\/([0-9a-f]{64})$/.exec(key)?.[1] ?? /^versions\/([0-9a-f]{64})\.json$/.exec(key)?.[1];
}

/** The object store records `SHA-256=<base64url>` of the content; as hex. */
function digestHex(info: ObjectInfo): string | undefined {
  if (!info.digest.startsWith('SHA-256=')) return undefined;
  return Buffer.from(info.digest.slice('SHA-256='.length), 'base64url').toString('hex');
}

/**
 * Dataset bytes in a NATS JetStream object store bucket, for clusters: the stack already runs
 * NATS, JetStream replicates the bucket's stream across the cluster, and objects larger than the
 * server's max payload are split into chunks by the object store. Content-addressed keys
 * (`blobs/…`, `versions/…`) are written once: an object already there whole and with the right
 * sha256 is kept; one whose digest does not match its key or that lost chunks is replaced.
 */
export class NatsObjectBackend implements BlobBackend {
  private constructor(
    private readonly nc: NatsConnection,
    private readonly os: ObjectStore,
    private readonly jsm: JetStreamManager,
    readonly bucket: string,
    private readonly readIdleTimeoutMs: number,
  ) {}

  static async connect(options: NatsObjectBackendOptions): Promise<NatsObjectBackend> {
    let nc: NatsConnection;
    try {
      nc = await connect({ servers: options.servers, name: `signflow-datasets-${options.bucket}`, timeout: 5000, ...options.connectOptions });
    } catch (err) {
      throw new DatasetStoreError(`dataset store: cannot connect to NATS at ${String(options.servers)}: start the stack (\`signflow up\`) or set nats.url`, { cause: err });
    }
    try {
      const os = await new Objm(nc).create(options.bucket, { replicas: options.replicas ?? 1, storage: StorageType.File, description: 'signflow dataset versions' });
      return new NatsObjectBackend(nc, os, await jetstreamManager(nc), options.bucket, options.readIdleTimeoutMs ?? 30_000);
    } catch (err) {
      await nc.close();
      throw new DatasetStoreError(`dataset store: cannot open the NATS object store bucket ${options.bucket} (is JetStream enabled, and may this user use it?)`, { cause: err });
    }
  }

  uri(key: string): string {
    return `nats://${this.bucket}/${key}`;
  }

  private checkKey(key: string): void {
    if (key.split('/').some((part) => part === '..' || part === '')) throw new DatasetStoreError(`bad store key ${JSON.stringify(key)}`);
  }

  /**
   * True when a content-addressed key already holds its content, so writing it again is
   * skipped: its recorded digest is the key's sha256 and every chunk is still in the stream.
   */
  private async holdsContent(key: string): Promise<boolean> {
    const sha = contentShaOfKey(key);
    if (!sha) return false;
    const info = await this.os.info(key);
    if (!info || info.deleted || digestHex(info) !== sha) return false;
    if (info.chunks === 0) return true;
    const subject = `$O.${this.bucket}.C.${info.nuid}`;
    const stream = await this.jsm.streams.info(`OBJ_${this.bucket}`, { subjects_filter: subject });
    return stream.state.subjects?.[subject] === info.chunks;
  }

  async putFile(key: string, localPath: string): Promise<void> {
    this.checkKey(key);
    try {
      if (await this.holdsContent(key)) return;
      const stream = Readable.toWeb(createReadStream(localPath)) as unknown as ReadableStream<Uint8Array>;
      await this.os.put({ name: key }, stream);
    } catch (err) {
      throw new DatasetStoreError(`cannot store ${this.uri(key)}: ${err instanceof Error ? err.message : String(err)}`, { cause: err });
    } finally {
      await rm(localPath, { force: true });
    }
  }

  async put(key: string, bytes: Uint8Array): Promise<void> {
    this.checkKey(key);
    try {
      if (await this.holdsContent(key)) return;
      await this.os.putBlob({ name: key }, bytes);
    } catch (err) {
      throw new DatasetStoreError(`cannot store ${this.uri(key)}: ${err instanceof Error ? err.message : String(err)}`, { cause: err });
    }
  }

  private missing(key: string, cause?: unknown): DatasetStoreError {
    return new DatasetStoreError(`store object ${this.uri(key)} is missing: the store is incomplete (re-import the dataset)`, cause === undefined ? {} : { cause });
  }

  /**
   * Reads an object's chunks; `range` stops early once it has its bytes. The object store checks
   * the whole object's digest on a full read (a lost or altered chunk fails it).
   */
  private async read(key: string, range?: { offset: number; length: number }): Promise<Uint8Array> {
    this.checkKey(key);
    const result = await this.os.get(key).catch((err: unknown) => {
      throw new DatasetStoreError(`cannot read ${this.uri(key)}: ${err instanceof Error ? err.message : String(err)}`, { cause: err });
    });
    if (!result) throw this.missing(key);
    const size = result.info.size;
    const want = range ? { from: range.offset, to: range.offset + range.length } : { from: 0, to: size };
    if (want.to > size) {
      await result.data.cancel();
      throw new DatasetStoreError(`store object ${this.uri(key)} is truncated: wanted ${want.to - want.from} bytes at ${want.from}, it holds ${size}`);
    }
    const out = new Uint8Array(want.to - want.from);
    const reader = result.data.getReader();
    let at = 0;
    let timer: NodeJS.Timeout | undefined;
    const idle = () =>
      new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new DatasetStoreError(`store object ${this.uri(key)}: no chunk for ${this.readIdleTimeoutMs} ms (chunks missing from the bucket?): re-import the dataset`)), this.readIdleTimeoutMs);
      });
    try {
      while (at < want.to) {
        const { done, value } = await Promise.race([reader.read(), idle()]);
        clearTimeout(timer);
        if (done) break;
        const start = Math.max(want.from, at);
        const end = Math.min(want.to, at + value.byteLength);
        if (end > start) out.set(value.subarray(start - at, end - at), start - want.from);
        at += value.byteLength;
      }
      if (at < want.to) throw new DatasetStoreError(`store object ${this.uri(key)} is truncated: ${at} of ${size} bytes readable (chunks missing): re-import the dataset`);
      if (!range) {
        // drain to the end so the digest check runs and reports a corrupt object
        const { done } = await Promise.race([reader.read(), idle()]);
        if (!done) throw new DatasetStoreError(`store object ${this.uri(key)} holds more than its recorded ${size} bytes: re-import the dataset`);
      }
      return out;
    } catch (err) {
      if (err instanceof DatasetStoreError) throw err;
      throw new DatasetStoreError(`store object ${this.uri(key)} is corrupt: ${err instanceof Error ? err.message.split('\n')[0] : String(err)}: re-import the dataset`, { cause: err });
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

  get(key: string): Promise<Uint8Array> {
    return this.read(key);
  }

  getRange(key: string, offset: number, length: number): Promise<Uint8Array> {
    return this.read(key, { offset, length });
  }

  /** A content-addressed key counts only when whole (see holdsContent), so writers replace a damaged one. */
  async has(key: string): Promise<boolean> {
    this.checkKey(key);
    if (contentShaOfKey(key)) return this.holdsContent(key);
    const info = await this.os.info(key);
    return !!info && !info.deleted;
  }

  async list(prefix: string): Promise<string[]> {
    const base = `${prefix.replace(/\/+$/, '')}/`;
    return (await this.os.list())
      .filter((info) => !info.deleted && info.name.startsWith(base))
      .map((info) => info.name)
      .sort();
  }

  async stagingDir(): Promise<string> {
    return mkdtemp(join(tmpdir(), 'signflow-dataset-'));
  }

  async close(): Promise<void> {
    if (!this.nc.isClosed()) await this.nc.close();
  }
}
