import { createHash } from 'node:crypto';
import { appendFile, cp, mkdir, open, readFile, rename, stat, writeFile, rm } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { hashDirectory, hashFile } from './hash.js';
import type { ArtifactKind, ArtifactRef } from './ref.js';
import { checkStoreKey, type ArtifactStore } from './store.js';

/** The embedded store: a local directory, content-addressed under `sha256/`. */
export class LocalArtifactStore implements ArtifactStore {
  readonly rootUri: string;

  constructor(readonly root: string) {
    this.rootUri = pathToFileURL(root).href;
  }

  private blobPath(sha256: string): string {
    return join(this.root, 'sha256', sha256.slice(0, 2), sha256);
  }

  private async place(src: string, dest: string, isDir: boolean): Promise<void> {
    try {
      await stat(dest);
      return; // same content already stored
    } catch {
      // not there yet
    }
    await mkdir(dirname(dest), { recursive: true });
    const tmp = `${dest}.${process.pid}.${Date.now()}.tmp`;
    await cp(src, tmp, { recursive: isDir });
    await rename(tmp, dest).catch(async (err: unknown) => {
      await rm(tmp, { recursive: true, force: true });
      if ((err as NodeJS.ErrnoException).code !== 'ENOTEMPTY' && (err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
    });
  }

  async put(path: string, kind: ArtifactKind, metadata: Record<string, unknown> = {}): Promise<ArtifactRef> {
    const info = await stat(path);
    if (info.isDirectory()) {
      const h = await hashDirectory(path);
      const dest = this.blobPath(h.sha256);
      await this.place(path, dest, true);
      await writeFile(`${dest}.manifest`, h.manifest);
      return { uri: pathToFileURL(dest).href, sha256: h.sha256, kind, sizeBytes: h.size, metadata: { ...metadata, directory: true } };
    }
    const h = await hashFile(path);
    const dest = this.blobPath(h.sha256);
    await this.place(path, dest, false);
    return { uri: pathToFileURL(dest).href, sha256: h.sha256, kind, sizeBytes: h.size, metadata };
  }

  async putBytes(data: Uint8Array | string, kind: ArtifactKind, metadata: Record<string, unknown> = {}): Promise<ArtifactRef> {
    const bytes = typeof data === 'string' ? Buffer.from(data) : data;
    const sha256 = createHash('sha256').update(bytes).digest('hex');
    const dest = this.blobPath(sha256);
    await mkdir(dirname(dest), { recursive: true });
    const tmp = `${dest}.${process.pid}.tmp`;
    await writeFile(tmp, bytes);
    await rename(tmp, dest);
    return { uri: pathToFileURL(dest).href, sha256, kind, sizeBytes: bytes.length, metadata };
  }

  async exists(ref: ArtifactRef): Promise<boolean> {
    if (!ref.uri.startsWith('file:')) return false;
    try {
      const path = fileURLToPath(ref.uri);
      const info = await stat(path);
      if (info.isDirectory()) return (await hashDirectory(path)).sha256 === ref.sha256;
      return info.size === ref.sizeBytes;
    } catch {
      return false;
    }
  }

  async localPath(ref: ArtifactRef): Promise<string> {
    if (!ref.uri.startsWith('file:')) throw new Error(`artifact ${ref.uri}: the local store reads file:// artifacts only`);
    const path = fileURLToPath(ref.uri);
    await stat(path);
    return path;
  }

  private keyPath(area: string, key: string): string {
    return join(this.root, area, ...checkStoreKey(key).split('/'));
  }

  async writeJson(key: string, value: unknown): Promise<void> {
    const path = this.keyPath('docs', key);
    await mkdir(dirname(path), { recursive: true });
    const tmp = `${path}.${process.pid}.tmp`;
    await writeFile(tmp, JSON.stringify(value));
    await rename(tmp, path);
  }

  async readJson(key: string): Promise<unknown> {
    try {
      return JSON.parse(await readFile(this.keyPath('docs', key), 'utf8')) as unknown;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
      throw err;
    }
  }

  async appendLog(key: string, chunk: string): Promise<void> {
    const path = this.keyPath('logs', key);
    await mkdir(dirname(path), { recursive: true });
    await appendFile(path, chunk);
  }

  async readLog(key: string, offset = 0): Promise<{ text: string; size: number } | undefined> {
    let handle;
    try {
      handle = await open(this.keyPath('logs', key), 'r');
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
      throw err;
    }
    try {
      const { size } = await handle.stat();
      const length = Math.max(0, size - offset);
      const buf = Buffer.alloc(length);
      if (length > 0) await handle.read(buf, 0, length, offset);
      return { text: buf.toString('utf8'), size };
    } finally {
      await handle.close();
    }
  }

  logUri(key: string): string {
    return pathToFileURL(this.keyPath('logs', key)).href;
  }
}
