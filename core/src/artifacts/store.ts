import type { ArtifactKind, ArtifactRef } from './ref.js';

/**
 * Where artifacts (datasets, models, metrics, plots) and step logs live. Content-addressed:
 * equal content gets the same reference. The local-directory store is the embedded default; on a
 * cluster the NATS JetStream object store (nats-store.ts) implements the same interface. Lives in core because every
 * producer (datasets, pipeline steps, training, the run API) reads and writes it.
 */
export interface ArtifactStore {
  /** `file:///abs/dir` or `nats://<bucket>`: what steps get as SIGNFLOW_ARTIFACT_STORE. */
  readonly rootUri: string;
  /** Copies a file or a directory into the store. */
  put(path: string, kind: ArtifactKind, metadata?: Record<string, unknown>): Promise<ArtifactRef>;
  /** Stores bytes (a metrics document, a small plot). */
  putBytes(data: Uint8Array | string, kind: ArtifactKind, metadata?: Record<string, unknown>): Promise<ArtifactRef>;
  /** True when the artifact's content is present: a cache hit whose artifact is gone is a miss. */
  exists(ref: ArtifactRef): Promise<boolean>;
  /** A local path holding the artifact's content (fetched first for remote stores). */
  localPath(ref: ArtifactRef): Promise<string>;
  /** Small JSON documents by key (cache index, step documents). */
  writeJson(key: string, value: unknown): Promise<void>;
  readJson(key: string): Promise<unknown>;
  /** Appends to a log while a step runs, so logs outlive processes and pods. */
  appendLog(key: string, chunk: string): Promise<void>;
  /** Reads a log from byte `offset`; undefined when there is none. */
  readLog(key: string, offset?: number): Promise<{ text: string; size: number } | undefined>;
  logUri(key: string): string;
  /** Releases connections (a NATS store); the local store has none. */
  close?(): Promise<void>;
}

/** Keys are slash-separated names of letters, digits, `.`, `_`, `:`, `-`, `[`, `]`: never `..`. */
export function checkStoreKey(key: string): string {
  if (!/^[A-Za-z0-9._:\-[\]]+(\/[A-Za-z0-9._:\-[\]]+)*$/.test(key) || key.split('/').some((p) => p === '..' || p === '.')) {
    throw new Error(`artifact store key ${JSON.stringify(key)}: use slash-separated names of letters, digits, ".", "_", ":", "-", "[", "]"`);
  }
  return key;
}
