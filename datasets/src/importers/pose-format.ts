import { readdir, readFile, stat } from 'node:fs/promises';
import { basename, dirname, join, relative, sep } from 'node:path';
import { DatasetInputError } from '../errors.js';
import { canonicalComponentName, type LandmarkLayout, type LayoutComponent } from '../format/layout.js';
import { FrameFlag } from '../format/manifest.js';
import { sha256Hex } from '../store/canonical.js';
import { SourceDigest, type ImportItem, type ImportSource } from './common.js';
import { parsePoseFile, type PoseFile } from './pose-file.js';
import { readLabelTable, type LabelTable } from './labels.js';

export interface PoseFormatOptions {
  /** Gloss for every file (e.g. a single file). */
  gloss?: string;
  /** CSV with a header `path,gloss[,signer]`, paths relative to the import folder. */
  labels?: string;
  /** Where the gloss comes from when neither of the above: parent folder name (default) or file name. */
  glossFrom?: 'dir' | 'file';
  /** Person to take from multi-person files (default 0). */
  person?: number;
}

/** The dataset layout of a .pose header: components with canonical names and the file's point names. */
export function poseLayout(pose: PoseFile): LandmarkLayout {
  const components: LayoutComponent[] = pose.components.map((k) => ({
    name: canonicalComponentName(k.name),
    points: k.points.length,
    pointNames: [...k.points],
    scheme: k.points.includes('RShoulder') ? 'openpose-body25' : k.points.includes('LEFT_SHOULDER') ? 'mediapipe-pose' : `pose-format:${k.name}`,
    dims: k.format.length - 1 >= 3 ? 3 : 2,
  }));
  const signature = components.map((c) => `${c.name}:${c.points}:${c.pointNames?.join(',') ?? ''}`).join('|');
  return { id: `pose-format-${sha256Hex(signature).slice(0, 12)}`, components };
}

/**
 * `.pose` files (one file or a folder searched recursively). The first file fixes the layout;
 * a later file with other components is skipped as `layout-mismatch`. Confidence becomes
 * visibility (clamped to [0, 1]); a point with confidence 0 or NaN coordinates is "not detected".
 */
export async function openPoseFormat(location: string, options: PoseFormatOptions = {}): Promise<ImportSource> {
  const isDir = (await stat(location).catch(() => undefined))?.isDirectory() ?? false;
  const root = isDir ? location : dirname(location);
  const files = isDir ? (await findPoseFiles(location)).sort() : [location];
  if (files.length === 0) throw new DatasetInputError(location, 'no .pose files found');
  const table: LabelTable | undefined = options.labels ? await readLabelTable(options.labels) : undefined;
  // The first readable file fixes the layout.
  let first: PoseFile | undefined;
  for (const f of files) {
    try {
      first = parsePoseFile(await readFile(f), f);
      break;
    } catch {
      continue;
    }
  }
  if (!first) throw new DatasetInputError(location, 'no readable .pose file: every file failed to parse (run with --strict to see the first error)');
  const layout = poseLayout(first);
  const digest = new SourceDigest();
  return {
    kind: 'pose-format',
    location,
    layout,
    coordinates: { space: 'pixels', width: first.width, height: first.height },
    total: files.length,
    params: { ...options },
    digest: () => digest.digest(),
    async *items(): AsyncGenerator<ImportItem> {
      for (const file of files) {
        const rel = relative(root, file).split(sep).join('/');
        let bytes: Uint8Array;
        try {
          bytes = await readFile(file);
        } catch (err) {
          yield { skip: { item: file, reason: 'unreadable', detail: String(err) } };
          continue;
        }
        digest.add(rel, bytes);
        yield poseItem(file, rel, bytes, layout, options, table);
      }
    },
  };
}

function poseItem(file: string, rel: string, bytes: Uint8Array, layout: LandmarkLayout, options: PoseFormatOptions, table: LabelTable | undefined): ImportItem {
  let pose: PoseFile;
  try {
    pose = parsePoseFile(bytes, file);
  } catch (err) {
    return { skip: { item: file, reason: 'corrupt-pose', detail: err instanceof Error ? err.message : String(err) } };
  }
  const own = poseLayout(pose);
  if (own.id !== layout.id) return { skip: { item: file, reason: 'layout-mismatch', detail: `components ${own.components.map((c) => c.name).join(',')} differ from the first file's` } };
  const row = table?.get(rel);
  if (table && !row) return { skip: { item: file, reason: 'no-label', detail: `${rel} is not in the labels file` } };
  const gloss = row?.gloss ?? options.gloss ?? (options.glossFrom === 'file' ? basename(file, '.pose') : basename(dirname(file)));
  const person = options.person ?? 0;
  if (pose.people <= person) return { skip: { item: file, reason: 'no-person', detail: `${pose.people} people in the file` } };
  if (pose.frames === 0) return { skip: { item: file, reason: 'empty-sequence' } };
  const points = own.components.reduce((n, c) => n + c.points, 0);
  const data = new Float32Array(pose.frames * points * 4);
  const flags = new Uint8Array(pose.frames);
  for (let f = 0; f < pose.frames; f++) {
    let seen = 0;
    for (let p = 0; p < points; p++) {
      const src = ((f * pose.people + person) * points + p) * pose.dims;
      const conf = pose.confidence[(f * pose.people + person) * points + p] ?? 0;
      const x = pose.data[src] ?? Number.NaN;
      const y = pose.data[src + 1] ?? Number.NaN;
      const z = pose.dims >= 3 ? (pose.data[src + 2] ?? Number.NaN) : 0;
      if (!(conf > 0) || !Number.isFinite(x) || !Number.isFinite(y) || !Number.isFinite(z)) continue;
      const o = (f * points + p) * 4;
      data[o] = x;
      data[o + 1] = y;
      data[o + 2] = z;
      data[o + 3] = Math.min(1, conf);
      seen++;
    }
    if (seen === 0) flags[f] = FrameFlag.noLandmarks;
  }
  if (flags.every((b) => b & FrameFlag.noLandmarks)) return { skip: { item: file, reason: 'no-landmarks', detail: 'no point with confidence > 0 in any frame' } };
  return {
    sample: {
      id: rel.replace(/\.pose$/, ''),
      gloss,
      signer: row?.signer ?? null,
      source: rel,
      fps: pose.fps,
      cameras: [],
      data,
      flags,
      meta: { poseVersion: pose.version, people: pose.people },
    },
  };
}

async function findPoseFiles(dir: string): Promise<string[]> {
  const out: string[] = [];
  for (const e of await readdir(dir, { withFileTypes: true })) {
    const full = join(dir, e.name);
    if (e.isDirectory()) out.push(...(await findPoseFiles(full)));
    else if (e.name.endsWith('.pose')) out.push(full);
  }
  return out;
}
