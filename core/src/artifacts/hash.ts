import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { readdir } from 'node:fs/promises';
import { join, relative, sep } from 'node:path';

/** sha256 and size of a file, streamed. */
export async function hashFile(path: string): Promise<{ sha256: string; size: number }> {
  const hash = createHash('sha256');
  let size = 0;
  for await (const chunk of createReadStream(path)) {
    hash.update(chunk as Buffer);
    size += (chunk as Buffer).length;
  }
  return { sha256: hash.digest('hex'), size };
}

async function listFiles(dir: string, base = dir): Promise<string[]> {
  const out: string[] = [];
  for (const entry of await readdir(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) out.push(...(await listFiles(path, base)));
    else if (entry.isFile()) out.push(relative(base, path).split(sep).join('/'));
  }
  return out.sort();
}

export interface ManifestEntry {
  sha256: string;
  size: number;
  /** Slash-separated path relative to the directory. */
  path: string;
}

/**
 * A directory's identity: sha256 of its manifest (`<sha256>  <size>  <relative path>` lines,
 * sorted). Every store gives a directory the same digest.
 */
export async function hashDirectory(dir: string): Promise<{ sha256: string; size: number; manifest: string; entries: ManifestEntry[] }> {
  const entries: ManifestEntry[] = [];
  for (const file of await listFiles(dir)) entries.push({ ...(await hashFile(join(dir, file))), path: file });
  const manifest = `${entries.map((e) => `${e.sha256}  ${e.size}  ${e.path}`).join('\n')}\n`;
  return { sha256: createHash('sha256').update(manifest).digest('hex'), size: entries.reduce((n, e) => n + e.size, 0), manifest, entries };
}

/** The entries of a manifest hashDirectory wrote; undefined when a line does not parse or a path escapes. */
export function parseManifest(manifest: string): ManifestEntry[] | undefined {
  const entries: ManifestEntry[] = [];
  for (const line of manifest.split('\n')) {
    if (line === '') continue;
    const m = /^([0-9a-f]{64}) {2}(\d+) {2}(.+)$/.exec(line);
    if (!m?.[1] || !m[2] || !m[3]) return undefined;
    if (m[3].split('/').some((part) => part === '..' || part === '.' || part === '') || m[3].startsWith('/')) return undefined;
    entries.push({ sha256: m[1], size: Number(m[2]), path: m[3] });
  }
  return entries;
}
