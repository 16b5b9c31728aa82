import { ValidationError } from '@signflow/core';
import type { ImageInput } from './types.js';

export interface CheckedImage {
  data: Uint8Array | Uint8ClampedArray;
  width: number;
  height: number;
  channels: 3 | 4;
}

/** Validates an image's size against its buffer; throws a ValidationError that says what is wrong. */
export function checkImage(image: ImageInput): CheckedImage {
  const issues: { path: string; message: string }[] = [];
  const { data, width, height } = image;
  if (!(data instanceof Uint8Array || data instanceof Uint8ClampedArray)) issues.push({ path: 'data', message: 'must be a Uint8Array of RGB or RGBA bytes' });
  if (!Number.isInteger(width) || width <= 0) issues.push({ path: 'width', message: `must be a positive integer, got ${String(width)}` });
  if (!Number.isInteger(height) || height <= 0) issues.push({ path: 'height', message: `must be a positive integer, got ${String(height)}` });
  if (issues.length > 0) throw new ValidationError('image', issues);
  const pixels = width * height;
  let channels = image.channels;
  if (channels === undefined) {
    if (data.length === pixels * 3) channels = 3;
    else if (data.length === pixels * 4) channels = 4;
    else {
      throw new ValidationError('image', [
        { path: 'data', message: `${data.length} bytes fit neither RGB (${pixels * 3}) nor RGBA (${pixels * 4}) for ${width}x${height}` },
      ]);
    }
  } else if (channels !== 3 && channels !== 4) {
    throw new ValidationError('image', [{ path: 'channels', message: `must be 3 or 4, got ${String(channels)}` }]);
  } else if (data.length !== pixels * channels) {
    throw new ValidationError('image', [
      { path: 'data', message: `${data.length} bytes, expected ${pixels * channels} for ${width}x${height} with ${channels} channels` },
    ]);
  }
  return { data, width, height, channels };
}

/** Mirrors an image left-right (a new buffer). */
export function flipHorizontal(image: ImageInput): CheckedImage {
  const { data, width, height, channels } = checkImage(image);
  const out = new Uint8Array(data.length);
  for (let y = 0; y < height; y++) {
    const row = y * width * channels;
    for (let x = 0; x < width; x++) {
      const src = row + x * channels;
      const dst = row + (width - 1 - x) * channels;
      for (let c = 0; c < channels; c++) out[dst + c] = data[src + c] as number;
    }
  }
  return { data: out, width, height, channels };
}
