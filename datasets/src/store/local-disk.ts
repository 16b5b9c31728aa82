import { mkdir, readFile, rename, writeFile, open, readdir, stat, copyFile, rm, mkdtemp } from 'node:fs/promises';
import { dirname, join, relative, sep } from 'node:path';
import { pathToFileURL } from 'node:url';
import { DatasetStoreError } from '../errors.js';
import type { BlobBackend } from './backend.js';

/** Dataset bytes in a folder on local disk (default `<dataDir>/datasets`). */
export class LocalDiskBackend implements BlobBackend {
  constructor(readonly root: string) {}

  private path(key: string): string {
    if (key.split('/').some((part) => part === '..' || part === '')) throw new DatasetStoreError(`bad store key ${JSON.stringify(key)}`);
    return join(this.root, ...key.split('/'));
  }

  uri(key: string): string {
    return pathToFileURL(this.path(key)).href;
  }

  async putFile(key: string, localPath: string): Promise<void> {
    const target = this.path(key);
    await mkdir(dirname(target), { recursive: true });
    try {
      await rename(localPath, target);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EXDEV') throw err;
      await copyFile(localPath, `${target}.partial`);
      await rename(`${target}.partial`, target);
      await rm(localPath, { force: true });
    }
  }

  async put(key: string, bytes: Uint8Array): Promise<void> {
    const target = this.path(key);
    await mkdir(dirname(target), { recursive: true });
    const partial = `${target}.${process.pid}.partial`;
    await writeFile(partial, bytes);
    await rename(partial, target);
  }

  async get(key: string): Promise<Uint8Array> {
    try {
      return await readFile(this.path(key));
    } catch (err) {
      throw new DatasetStoreError(`store object ${key} is missing under ${this.root}: the store is incomplete (re-import the dataset)`, { cause: err });
    }
  }

  async getRange(key: string, offset: number, length: number): Promise<Uint8Array> {
    let handle;
    try {
      handle = await open(this.path(key), 'r');
    } catch (err) {
      throw new DatasetStoreError(`store object ${key} is missing under ${this.root}: the store is incomplete (re-import the dataset)`, { cause: err });
    }
    try {
      const out = new Uint8Array(length);
      const { bytesRead } = await handle.read(out, 0, length, offset);
      if (bytesRead !== length) throw new DatasetStoreError(`store object ${key} is truncated: wanted ${length} bytes at ${offset}, got ${bytesRead}`);
      return out;
    } finally {
      await handle.close();
    }
  }

  async has(key: string): Promise<boolean> {
    try {
      await stat(this.path(key));
      return true;
    } catch {
      return false;
    }
  }

  async list(prefix: string): Promise<string[]> {
    const base = this.path(prefix.replace(/\/+$/, ''));
    const out: string[] = [];
    const walk = async (dir: string): Promise<void> => {
      let entries;
      try {
        entries = await readdir(dir, { withFileTypes: true });
      } catch {
        return;
      }
      for (const e of entries) {
        const full = join(dir, e.name);
        if (e.isDirectory()) await walk(full);
        else if (!e.name.endsWith('.partial')) out.push(relative(this.root, full).split(sep).join('/'));
      }
    };
    await walk(base);
    return out.sort();
  }

  async stagingDir(): Promise<string> {
    const dir = join(this.root, 'staging');
    await mkdir(dir, { recursive: true });
    return mkdtemp(join(dir, 'w-'));
  }
}
