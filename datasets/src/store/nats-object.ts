import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { NatsObjectBucket, NatsObjectStoreError, type NatsObjectBucketOptions } from '@signflow/core';
import { DatasetStoreError } from '../errors.js';
import type { BlobBackend } from './backend.js';

/** Where the bucket is and how to reach it (credentials of the service user in `connectOptions`); see NatsObjectBucketOptions. */
export type NatsObjectBackendOptions = Pick<NatsObjectBucketOptions, 'servers' | 'bucket' | 'replicas' | 'connectOptions' | 'readIdleTimeoutMs'>;

/** Keys whose last path part is the sha256 of their content: content-addressed, never overwritten. */
function contentShaOfKey(key: string): string | undefined {
  return /^blobs\/sha256\/[0-9a-f]{2}\/([0-9a-f]{64})$/.exec(key)?.[1] ?? /^versions\/([0-9a-f]{64})\.json$/.exec(key)?.[1];
}

/**
 * Dataset bytes in a NATS JetStream object store bucket (core's NatsObjectBucket), for clusters:
 * the stack already runs NATS and JetStream replicates the bucket's stream across the cluster.
 * Content-addressed keys (`blobs/…`, `versions/…`) are written once: an object already there
 * whole and with the right sha256 is kept; one whose digest does not match its key or that lost
 * chunks is replaced. The bucket's failures become DatasetStoreErrors that say to re-import.
 */
export class NatsObjectBackend implements BlobBackend {
  private constructor(
    private readonly objects: NatsObjectBucket,
    private readonly options: NatsObjectBackendOptions,
  ) {}

  get bucket(): string {
    return this.objects.bucket;
  }

  static async connect(options: NatsObjectBackendOptions): Promise<NatsObjectBackend> {
    const backend = new NatsObjectBackend(
      new NatsObjectBucket({ ...options, clientName: `signflow-datasets-${options.bucket}`, description: 'signflow dataset versions' }),
      options,
    );
    await backend.call(() => backend.objects.open());
    return backend;
  }

  uri(key: string): string {
    return this.objects.uri(key);
  }

  /** Runs a bucket operation, wording its failure as the dataset store's. */
  private async call<T>(operation: () => Promise<T>): Promise<T> {
    try {
      return await operation();
    } catch (err) {
      throw this.datasetError(err);
    }
  }

  private datasetError(err: unknown): unknown {
    if (!(err instanceof NatsObjectStoreError)) return err;
    const uri = err.uri;
    switch (err.reason) {
      case 'connect':
        return new DatasetStoreError(`dataset store: cannot connect to NATS at ${String(this.options.servers)}: start the stack (\`signflow up\`) or set nats.url and nats.credentials`, { cause: err });
      case 'open':
        return new DatasetStoreError(`dataset store: cannot open the NATS object store bucket ${this.bucket} (is JetStream enabled, and may this user use it?)`, { cause: err });
      case 'bad-input':
        return new DatasetStoreError(err.key === undefined ? err.message : `bad store key ${JSON.stringify(err.key)}`, { cause: err });
      case 'missing':
        return new DatasetStoreError(`store object ${uri} is missing: the store is incomplete (re-import the dataset)`, { cause: err });
      case 'stalled':
        return new DatasetStoreError(`store object ${uri}: no chunk for ${this.objects.readIdleTimeoutMs} ms (chunks missing from the bucket?): re-import the dataset`, { cause: err });
      case 'read-failed':
      case 'write-failed':
        return new DatasetStoreError(err.message, { cause: err });
      case 'corrupt':
      case 'truncated':
        return new DatasetStoreError(`store ${err.message}: re-import the dataset`, { cause: err });
    }
  }

  async putFile(key: string, localPath: string): Promise<void> {
    try {
      await this.call(() => this.objects.putFile(key, localPath, { sha256: contentShaOfKey(key) }));
    } finally {
      await rm(localPath, { force: true });
    }
  }

  async put(key: string, bytes: Uint8Array): Promise<void> {
    await this.call(() => this.objects.putBytes(key, bytes, { sha256: contentShaOfKey(key) }));
  }

  get(key: string): Promise<Uint8Array> {
    return this.call(() => this.objects.get(key));
  }

  getRange(key: string, offset: number, length: number): Promise<Uint8Array> {
    return this.call(() => this.objects.get(key, { offset, length }));
  }

  /** A content-addressed key counts only when whole (see NatsObjectBucket.holds), so writers replace a damaged one. */
  async has(key: string): Promise<boolean> {
    const sha = contentShaOfKey(key);
    if (sha) return this.call(() => this.objects.holds(key, sha));
    return (await this.call(() => this.objects.stat(key))) !== undefined;
  }

  async list(prefix: string): Promise<string[]> {
    return this.call(() => this.objects.list(`${prefix.replace(/\/+$/, '')}/`));
  }

  async stagingDir(): Promise<string> {
    return mkdtemp(join(tmpdir(), 'signflow-dataset-'));
  }

  async close(): Promise<void> {
    await this.objects.close();
  }
}
