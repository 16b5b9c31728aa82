import { createHash } from 'node:crypto';
import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import type { ArtifactKind, ArtifactRef } from '@signflow/core';

/**
 * The part of the artifact store training, evaluation, the registry and inference use:
 * content-addressed blobs plus small JSON documents by key. Any full artifact store (the local
 * directory one, S3) satisfies it; `DirectoryStore` is a minimal local one for tests and tools.
 */
export interface BlobStore {
  putBytes(data: Uint8Array | string, kind: ArtifactKind, metadata?: Record<string, unknown>): Promise<ArtifactRef>;
  /** A local path holding the artifact's bytes. */
  localPath(ref: ArtifactRef): Promise<string>;
  writeJson(key: string, value: unknown): Promise<void>;
  /** undefined when the key was never written. */
  readJson(key: string): Promise<unknown>;
}

export async function readBytes(store: BlobStore, ref: ArtifactRef): Promise<Uint8Array> {
  return new Uint8Array(await readFile(await store.localPath(ref)));
}

/** Blobs under `sha256/`, documents under `docs/`; every write lands by rename, so a kill never leaves half a file. */
export class DirectoryStore implements BlobStore {
  constructor(readonly root: string) {}

  async putBytes(data: Uint8Array | string, kind: ArtifactKind, metadata: Record<string, unknown> = {}): Promise<ArtifactRef> {
    const bytes = typeof data === 'string' ? Buffer.from(data) : data;
    const sha256 = createHash('sha256').update(bytes).digest('hex');
    const path = join(this.root, 'sha256', sha256.slice(0, 2), sha256);
    await atomicWrite(path, bytes);
    return { uri: pathToFileURL(path).href, sha256, kind, sizeBytes: bytes.length, metadata };
  }

  localPath(ref: ArtifactRef): Promise<string> {
    if (!ref.uri.startsWith('file:')) return Promise.reject(new Error(`artifact ${ref.uri}: this store reads file:// artifacts only`));
    return Promise.resolve(fileURLToPath(ref.uri));
  }

  async writeJson(key: string, value: unknown): Promise<void> {
    await atomicWrite(this.docPath(key), Buffer.from(JSON.stringify(value)));
  }

  async readJson(key: string): Promise<unknown> {
    try {
      return JSON.parse(await readFile(this.docPath(key), 'utf8')) as unknown;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
      throw err;
    }
  }

  private docPath(key: string): string {
    if (!/^[A-Za-z0-9._-]+(\/[A-Za-z0-9._-]+)*$/.test(key) || key.split('/').includes('..')) {
      throw new Error(`store key ${JSON.stringify(key)}: use slash-separated names of letters, digits, ".", "_", "-"`);
    }
    return join(this.root, 'docs', ...key.split('/'));
  }
}

async function atomicWrite(path: string, bytes: Uint8Array): Promise<void> {
  await mkdir(dirname(path), { recursive: true });
  const tmp = `${path}.${process.pid}.${Date.now()}.tmp`;
  await writeFile(tmp, bytes);
  await rename(tmp, path);
}
