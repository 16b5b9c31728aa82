import { readdir, stat } from 'node:fs/promises';
import { basename, dirname, extname, join, relative, sep } from 'node:path';
import { createDetector, probeVideo, readVideoFrames, toLandmarkPacket, type LandmarkDetector, type MediaPipeDetectorOptions } from '@signflow/landmarks';
import { DatasetInputError } from '../errors.js';
import { FUSED_LAYOUT, FUSED_POINTS } from '../fusion/fuse.js';
import { FrameFlag } from '../format/manifest.js';
import { qualityFlags } from '../preprocess/quality.js';
import { packetToFrame } from '../record/segmenter.js';
import { SourceDigest, type ImportItem, type ImportSource } from './common.js';
import { readLabelTable, type LabelTable } from './labels.js';

const VIDEO_EXTENSIONS = new Set(['.mp4', '.mov', '.mkv', '.avi', '.webm', '.m4v']);

export interface VideoImportOptions {
  gloss?: string;
  /** CSV `path,gloss[,signer]`, paths relative to the import folder. */
  labels?: string;
  glossFrom?: 'dir' | 'file';
  /** Decode at this width (height keeps the aspect ratio); default the video's own size. */
  width?: number;
  maxFrames?: number;
  /** Detector options (MediaPipe: hands + pose on CPU); tests may pass their own detector. */
  detector?: MediaPipeDetectorOptions | LandmarkDetector;
}

/**
 * Video files (one file, or a folder searched recursively) through the landmark extractor of
 * @signflow/landmarks: each video becomes one sample of MediaPipe pose 33 + both hands in
 * pixels of the decoded frames. A video that ffmpeg cannot decode, or that is truncated, is
 * skipped as `corrupt-video`; one where nobody is detected as `no-landmarks`.
 */
export async function openVideos(location: string, options: VideoImportOptions = {}): Promise<ImportSource> {
  const isDir = (await stat(location).catch(() => undefined))?.isDirectory() ?? false;
  if (!isDir && !(await stat(location).catch(() => undefined))) throw new DatasetInputError(location, 'no such file or folder');
  const root = isDir ? location : dirname(location);
  const files = isDir ? (await findVideos(location)).sort() : [location];
  if (files.length === 0) throw new DatasetInputError(location, `no video files (${[...VIDEO_EXTENSIONS].join(', ')}) found`);
  const table: LabelTable | undefined = options.labels ? await readLabelTable(options.labels) : undefined;
  let size: { width: number; height: number } | undefined;
  for (const f of files) {
    try {
      const info = probeVideo(f);
      size = options.width ? { width: options.width, height: Math.round((options.width * info.height) / info.width / 2) * 2 } : { width: info.width, height: info.height };
      break;
    } catch {
      continue;
    }
  }
  const digest = new SourceDigest();
  return {
    kind: 'video',
    location,
    layout: FUSED_LAYOUT,
    coordinates: { space: 'pixels', ...(size ?? {}) },
    total: files.length,
    params: { width: options.width ?? null, maxFrames: options.maxFrames ?? null, glossFrom: options.glossFrom ?? 'dir', detector: isDetector(options.detector) ? options.detector.description : (options.detector ?? {}) },
    digest: () => digest.digest(),
    async *items(): AsyncGenerator<ImportItem> {
      const owned = !isDetector(options.detector);
      const detector = isDetector(options.detector) ? options.detector : await createDetector('mediapipe', options.detector ?? {});
      try {
        for (const file of files) {
          const rel = relative(root, file).split(sep).join('/');
          try {
            await digest.addFile(rel, file);
          } catch (err) {
            yield { skip: { item: file, reason: 'unreadable', detail: String(err) } };
            continue;
          }
          yield await videoItem(file, relative(root, file).split(sep).join('/'), detector, options, table, size);
        }
      } finally {
        if (owned) await detector.close();
      }
    },
  };
}

async function videoItem(
  file: string,
  rel: string,
  detector: LandmarkDetector,
  options: VideoImportOptions,
  table: LabelTable | undefined,
  size: { width: number; height: number } | undefined,
): Promise<ImportItem> {
  const row = table?.get(rel);
  if (table && !row) return { skip: { item: file, reason: 'no-label', detail: `${rel} is not in the labels file` } };
  const gloss = row?.gloss ?? options.gloss ?? (options.glossFrom === 'file' ? basename(file, extname(file)) : basename(dirname(file)));
  let fps: number;
  const frames: Float32Array[] = [];
  detector.reset();
  try {
    fps = probeVideo(file).fps;
    for await (const f of readVideoFrames(file, { ...(options.width ? { width: options.width } : {}), ...(options.maxFrames ? { maxFrames: options.maxFrames } : {}) })) {
      if (size && (f.width !== size.width || f.height !== size.height)) {
        return { skip: { item: file, reason: 'size-mismatch', detail: `${f.width}x${f.height}, the dataset is ${size.width}x${size.height}: pass --width to decode every video at one size` } };
      }
      const result = await detector.detect(f, f.timestampMs);
      const packet = toLandmarkPacket(result, { rig: 'import', camera: 'video', seq: f.index, captureTimeNs: '0', detector: detector.description });
      const frame = new Float32Array(FUSED_POINTS * 4);
      packetToFrame(packet, frame, 0);
      frames.push(frame);
    }
  } catch (err) {
    return { skip: { item: file, reason: 'corrupt-video', detail: err instanceof Error ? err.message : String(err) } };
  }
  if (frames.length === 0) return { skip: { item: file, reason: 'empty-sequence' } };
  const data = new Float32Array(frames.length * FUSED_POINTS * 4);
  frames.forEach((f, i) => data.set(f, i * FUSED_POINTS * 4));
  const flags = qualityFlags({ data, flags: new Uint8Array(frames.length), frames: frames.length }, FUSED_LAYOUT, { space: 'pixels', ...(size ?? {}) });
  if (flags.every((b) => b & FrameFlag.noLandmarks)) return { skip: { item: file, reason: 'no-landmarks', detail: 'no hand or body detected in any frame' } };
  return { sample: { id: rel.replace(/\.[^.]+$/, ''), gloss, signer: row?.signer ?? null, source: rel, fps, cameras: [], data, flags } };
}

function isDetector(d: VideoImportOptions['detector']): d is LandmarkDetector {
  return typeof (d as LandmarkDetector | undefined)?.detect === 'function';
}

async function findVideos(dir: string): Promise<string[]> {
  const out: string[] = [];
  for (const e of await readdir(dir, { withFileTypes: true })) {
    const full = join(dir, e.name);
    if (e.isDirectory()) out.push(...(await findVideos(full)));
    else if (VIDEO_EXTENSIONS.has(extname(e.name).toLowerCase())) out.push(full);
  }
  return out;
}
