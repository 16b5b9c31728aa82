import { spawnSync } from 'node:child_process';
import { statSync } from 'node:fs';
import type { SourceConfig } from '../rig/schema.js';

export interface PixelFormatInfo {
  name: string;
  bitsPerPixel: number;
  /** ffmpeg can read it (flag I of `ffmpeg -pix_fmts`). */
  input: boolean;
  /** Frames carry a 256-colour palette after the pixels (flag P). */
  paletted: boolean;
  /** Hardware surface, never found in a file (flag H). */
  hardware: boolean;
}

type RawFileSource = Extract<SourceConfig, { kind: 'file' }> & { raw: NonNullable<Extract<SourceConfig, { kind: 'file' }>['raw']> };

/** Formats a raw capture usually has; offered when the configured one does not fit the file. */
const COMMON = ['yuyv422', 'uyvy422', 'yuv420p', 'nv12', 'yuv422p', 'rgb24', 'bgr24', 'gray'];

const known = new Map<string, Map<string, PixelFormatInfo>>();

/** `FLAGS NAME NB_COMPONENTS BITS_PER_PIXEL ...` rows of `ffmpeg -pix_fmts`. */
export function parsePixelFormats(listing: string): Map<string, PixelFormatInfo> {
  const out = new Map<string, PixelFormatInfo>();
  for (const line of listing.split('\n')) {
    const match = /^([IOHPB.]{5})\s+(\w+)\s+\d+\s+(\d+)/.exec(line);
    if (!match) continue;
    const [, flags = '', name = '', bits = '0'] = match;
    out.set(name, { name, bitsPerPixel: Number(bits), input: flags[0] === 'I', hardware: flags[2] === 'H', paletted: flags[3] === 'P' });
  }
  return out;
}

/** The pixel formats this ffmpeg knows (asked once per binary). */
export function ffmpegPixelFormats(ffmpegPath: string): Map<string, PixelFormatInfo> {
  let formats = known.get(ffmpegPath);
  if (!formats) {
    const listing = spawnSync(ffmpegPath, ['-hide_banner', '-pix_fmts'], { encoding: 'utf8', timeout: 10_000 });
    formats = parsePixelFormats(listing.stdout ?? '');
    if (formats.size > 0) known.set(ffmpegPath, formats);
  }
  return formats;
}

/** Bytes of one raw frame as ffmpeg's rawvideo reader cuts them (palette included). */
export function rawFrameBytes(format: PixelFormatInfo, width: number, height: number): number {
  return Math.ceil((width * height * format.bitsPerPixel) / 8) + (format.paletted ? 1024 : 0);
}

/**
 * What is wrong between a raw file and the pixel format and size the rig gives for it, before
 * ffmpeg reads garbage: an unknown format, or a file that is not a whole number of such frames.
 * (Formats of equal frame size, such as nv12 for yuv420p, cannot be told apart from the bytes.)
 * A missing file is left to ffmpeg, which reports it like for any file source.
 */
export function checkRawVideoFile(source: RawFileSource, formats: Map<string, PixelFormatInfo>): string | undefined {
  const { pixelFormat, size } = source.raw;
  const what = `raw file ${source.path}`;
  const format = formats.get(pixelFormat);
  if (formats.size > 0 && !format) return `${what}: ffmpeg has no pixel format ${pixelFormat} (see \`ffmpeg -pix_fmts\`; raw.pixelFormat)`;
  if (!format) return undefined;
  if (!format.input || format.hardware) return `${what}: pixel format ${pixelFormat} cannot be read from a file (raw.pixelFormat)`;
  let bytes: number;
  try {
    bytes = statSync(source.path).size;
  } catch {
    return undefined;
  }
  const frame = rawFrameBytes(format, size.width, size.height);
  if (bytes >= frame && bytes % frame === 0) return undefined;
  const fits = COMMON.filter((name) => {
    const other = formats.get(name);
    const n = other ? rawFrameBytes(other, size.width, size.height) : 0;
    return name !== pixelFormat && n > 0 && bytes >= n && bytes % n === 0;
  });
  return (
    `${what} does not hold ${pixelFormat} ${size.width}x${size.height} frames: ${bytes} bytes is ${(bytes / frame).toFixed(2)} frames of ${frame} bytes; ` +
    `wrong raw.pixelFormat or raw.size${fits.length > 0 ? ` (the size fits ${fits.join(', ')})` : ''}`
  );
}
