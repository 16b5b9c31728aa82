/**
 * Where dataset bytes live. Keys are `/`-separated paths (`blobs/sha256/ab/ab12…`,
 * `refs/<name>.json`). Blobs are immutable and named by their sha256; refs are small mutable
 * JSON documents. The local disk backend is the default; on a cluster the NATS JetStream object
 * store backend implements the same operations (see README: why NATS rather than S3).
 */
export interface BlobBackend {
  /** A URI for a key, for artifact references (`file:///…`, `s3://bucket/…`). */
  uri(key: string): string;
  /** Stores a local file under `key`, moving it when the backend is the same disk. */
  putFile(key: string, localPath: string): Promise<void>;
  put(key: string, bytes: Uint8Array): Promise<void>;
  /** Whole object; throws DatasetStoreError naming the key when missing. */
  get(key: string): Promise<Uint8Array>;
  /** `length` bytes from `offset` (a positioned read on disk; chunks up to the range in NATS). */
  getRange(key: string, offset: number, length: number): Promise<Uint8Array>;
  has(key: string): Promise<boolean>;
  /** Keys under a prefix, sorted. */
  list(prefix: string): Promise<string[]>;
  /** A folder on local disk for staging files before `putFile`. */
  stagingDir(): Promise<string>;
  /** Releases connections (network backends). */
  close?(): Promise<void>;
}

export function blobKey(sha256: string): string {
  return `blobs/sha256/${sha256.slice(0, 2)}/${sha256}`;
}
