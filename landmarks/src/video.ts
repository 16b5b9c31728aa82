/**
 * Video → raw RGB frames through ffmpeg (a pipe, no temporary files), for landmark extraction
 * from video files and recorded camera streams.
 */
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, statSync } from 'node:fs';
import { SignflowError } from '@signflow/core';
import { requireTool } from '@signflow/stack';

/** A video could not be read or decoded (missing, corrupt, truncated, no video stream). */
export class VideoDecodeError extends SignflowError {
  readonly code = 'VIDEO_DECODE';
  constructor(
    readonly path: string,
    detail: string,
    options?: { cause?: unknown },
  ) {
    super(`${path}: ${detail}`, options);
  }
}

export interface VideoInfo {
  /** Display size (after the rotation in the file's metadata, which ffmpeg applies). */
  width: number;
  height: number;
  /** Average frame rate, frames per second. */
  fps: number;
  /** Frame count from the container, when it says. */
  frameCount?: number;
  durationSec?: number;
  codec: string;
}

interface ProbeStream {
  codec_type?: string;
  codec_name?: string;
  width?: number;
  height?: number;
  avg_frame_rate?: string;
  r_frame_rate?: string;
  nb_frames?: string;
  duration?: string;
  side_data_list?: { rotation?: number }[];
  tags?: { rotate?: string };
}

function rate(text: string | undefined): number {
  if (!text) return NaN;
  const [n, d] = text.split('/').map(Number);
  if (d === undefined) return Number(n);
  return d ? (n as number) / d : NaN;
}

/** Reads a video's size, frame rate and frame count with ffprobe. */
export function probeVideo(path: string): VideoInfo {
  if (!existsSync(path)) throw new VideoDecodeError(path, 'no such file');
  if (!statSync(path).isFile()) throw new VideoDecodeError(path, 'not a file');
  const ffprobe = requireTool('ffprobe');
  const result = spawnSync(ffprobe.path, ['-v', 'error', '-select_streams', 'v:0', '-show_streams', '-of', 'json', path], { encoding: 'utf8', timeout: 30_000 });
  if (result.status !== 0) throw new VideoDecodeError(path, `ffprobe cannot read it: ${lastLines(result.stderr) || `exit ${String(result.status)}`}`);
  let streams: ProbeStream[];
  try {
    streams = (JSON.parse(result.stdout) as { streams?: ProbeStream[] }).streams ?? [];
  } catch (err) {
    throw new VideoDecodeError(path, 'ffprobe printed no JSON', { cause: err });
  }
  const s = streams.find((x) => x.codec_type === 'video');
  if (!s || !s.width || !s.height) throw new VideoDecodeError(path, 'no video stream');
  const rotation = Number(s.side_data_list?.find((d) => d.rotation !== undefined)?.rotation ?? s.tags?.rotate ?? 0);
  const swap = Math.abs(rotation) % 180 === 90;
  let fps = rate(s.avg_frame_rate);
  if (!(fps > 0)) fps = rate(s.r_frame_rate);
  const frameCount = s.nb_frames ? Number(s.nb_frames) : undefined;
  const durationSec = s.duration ? Number(s.duration) : undefined;
  return {
    width: swap ? s.height : s.width,
    height: swap ? s.width : s.height,
    fps: fps > 0 ? fps : 30,
    ...(frameCount && Number.isFinite(frameCount) ? { frameCount } : {}),
    ...(durationSec && Number.isFinite(durationSec) ? { durationSec } : {}),
    codec: s.codec_name ?? 'unknown',
  };
}

export interface ReadVideoOptions {
  /** Output width in pixels; with only one of width/height the other keeps the aspect ratio. */
  width?: number;
  height?: number;
  /** With both width and height: 'stretch' to fill them, or 'pad' to keep the aspect ratio with black bars (default 'stretch'). */
  fit?: 'stretch' | 'pad';
  /** Stop after this many frames. */
  maxFrames?: number;
  /**
   * Accept a video that ends early: by default a file that decodes to fewer frames than its
   * container declares (a truncated file) or that ffmpeg reports errors for throws a
   * VideoDecodeError after the frames it could decode.
   */
  allowPartial?: boolean;
}

export interface VideoFrame {
  /** RGB bytes, `width × height × 3`. */
  data: Uint8Array;
  width: number;
  height: number;
  /** 0-based frame number. */
  index: number;
  /** index / fps × 1000. */
  timestampMs: number;
}

function even(n: number): number {
  return Math.max(2, Math.round(n / 2) * 2);
}

/** Output size and ffmpeg filter for the requested size. */
export function outputGeometry(info: Pick<VideoInfo, 'width' | 'height'>, options: Pick<ReadVideoOptions, 'width' | 'height' | 'fit'>): { width: number; height: number; filter?: string } {
  const { width, height, fit = 'stretch' } = options;
  for (const [k, v] of [
    ['width', width],
    ['height', height],
  ] as const) {
    if (v !== undefined && (!Number.isInteger(v) || v < 2 || v > 16384)) throw new Error(`readVideoFrames: ${k} must be an integer 2..16384, got ${String(v)}`);
  }
  if (width === undefined && height === undefined) return { width: info.width, height: info.height };
  if (width !== undefined && height !== undefined) {
    if (fit === 'pad') {
      return { width, height, filter: `scale=${width}:${height}:force_original_aspect_ratio=decrease,pad=${width}:${height}:(ow-iw)/2:(oh-ih)/2:color=black,setsar=1` };
    }
    return { width, height, filter: `scale=${width}:${height},setsar=1` };
  }
  const w = width ?? even(((height as number) * info.width) / info.height);
  const h = height ?? even(((width as number) * info.height) / info.width);
  return { width: w, height: h, filter: `scale=${w}:${h},setsar=1` };
}

function lastLines(text: string | undefined, n = 3): string {
  return (text ?? '')
    .split('\n')
    .map((l) => l.trim())
    .filter(Boolean)
    .slice(-n)
    .join(' | ');
}

/**
 * Decodes a video file to RGB frames, one at a time (constant memory). Stop early with `break`;
 * the ffmpeg process is ended then. Throws VideoDecodeError for a missing, corrupt or truncated file.
 */
export async function* readVideoFrames(path: string, options: ReadVideoOptions = {}): AsyncGenerator<VideoFrame> {
  const info = probeVideo(path);
  const geo = outputGeometry(info, options);
  const ffmpeg = requireTool('ffmpeg');
  const args = ['-nostdin', '-v', 'error', '-i', path, '-map', '0:v:0', '-an', '-sn', '-fps_mode', 'passthrough'];
  if (geo.filter) args.push('-vf', geo.filter);
  if (options.maxFrames !== undefined) args.push('-frames:v', String(options.maxFrames));
  args.push('-f', 'rawvideo', '-pix_fmt', 'rgb24', 'pipe:1');
  const child = spawn(ffmpeg.path, args, { stdio: ['ignore', 'pipe', 'pipe'] });
  let stderr = '';
  child.stderr.setEncoding('utf8');
  child.stderr.on('data', (chunk: string) => {
    if (stderr.length < 64 * 1024) stderr += chunk;
  });
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null; error?: Error }>((resolve) => {
    child.once('error', (error) => resolve({ code: null, signal: null, error }));
    child.once('close', (code, signal) => resolve({ code, signal }));
  });
  const frameBytes = geo.width * geo.height * 3;
  let frame = new Uint8Array(frameBytes);
  let filled = 0;
  let index = 0;
  let done = false;
  try {
    for await (const chunk of child.stdout as AsyncIterable<Buffer>) {
      let offset = 0;
      while (offset < chunk.length) {
        const n = Math.min(frameBytes - filled, chunk.length - offset);
        frame.set(chunk.subarray(offset, offset + n), filled);
        filled += n;
        offset += n;
        if (filled === frameBytes) {
          yield { data: frame, width: geo.width, height: geo.height, index, timestampMs: (index * 1000) / info.fps };
          index++;
          frame = new Uint8Array(frameBytes);
          filled = 0;
        }
      }
    }
    const exit = await exited;
    done = true;
    if (exit.error) throw new VideoDecodeError(path, `cannot run ffmpeg: ${exit.error.message}`, { cause: exit.error });
    if (exit.code !== 0) throw new VideoDecodeError(path, `ffmpeg failed after ${index} frames (exit ${String(exit.code ?? exit.signal)}): ${lastLines(stderr) || 'no message'}`);
    if (filled !== 0) throw new VideoDecodeError(path, `ffmpeg output ended inside frame ${index}`);
    if (index === 0) throw new VideoDecodeError(path, `no frames decoded${stderr ? `: ${lastLines(stderr)}` : ''}`);
    if (!options.allowPartial) {
      const expected = info.frameCount === undefined ? undefined : Math.min(options.maxFrames ?? Infinity, info.frameCount);
      if (expected !== undefined && index < expected) {
        throw new VideoDecodeError(path, `decoded ${index} of the ${expected} frames the container declares (truncated or corrupt?)${stderr ? `: ${lastLines(stderr)}` : ''}`);
      }
      if (stderr.trim()) throw new VideoDecodeError(path, `ffmpeg reported decode errors after ${index} frames: ${lastLines(stderr)}`);
    }
  } finally {
    if (!done && child.exitCode === null && child.signalCode === null) {
      child.kill('SIGKILL');
      await exited;
    }
  }
}
