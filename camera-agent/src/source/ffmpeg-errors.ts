import type { SourceConfig } from '../rig/schema.js';
import { describeSource } from './ffmpeg-args.js';

const NOISE = /deprecated pixel format|^\s*(Metadata|major_brand|minor_version|compatible_brands|encoder|handler_name|vendor_id|Side data|cpb:)/;

/** ffmpeg's stderr lines worth keeping for an error message. */
export function isNoise(line: string): boolean {
  return NOISE.test(line);
}

/** Turns ffmpeg's last words into the cause a person can act on. */
export function explainFfmpegFailure(source: SourceConfig, tail: string, elapsedMs = 0): string {
  const where = describeSource(source);
  // "[video4linux2,v4l2 @ 0x55d0] Cannot ..." → "Cannot ...": the component prefix says nothing to a user.
  const lines = tail.split('\n').map((l) => l.trim().replace(/^\[[^\]]+ @ 0x[0-9a-f]+\]\s*/, '')).filter((l) => l && !isNoise(l));
  const has = (re: RegExp): string | undefined => lines.find((l) => re.test(l));
  let hit: string | undefined;
  if ((hit = has(/No such file or directory/i))) return `cannot open ${where}: no such file or device`;
  if ((hit = has(/Permission denied/i))) return `cannot open ${where}: permission denied`;
  if ((hit = has(/Connection refused/i))) return `cannot connect to ${where}: connection refused (is the camera or server up?)`;
  if ((hit = has(/timed out|Operation timed out|Connection timed out/i))) return `no answer from ${where} before the timeout`;
  if ((source.kind === 'rtsp' || source.kind === 'http') && elapsedMs >= source.timeout * 0.9) {
    // A server that accepts but never speaks makes ffmpeg give up with a generic message.
    return `no answer from ${where} within ${source.timeout / 1000} s (the timeout)`;
  }
  if ((hit = has(/No such (input|pixel) format: ([\w-]+)/i))) {
    const name = /format: ([\w-]+)/i.exec(hit)?.[1] ?? '';
    return source.kind === 'v4l2'
      ? `${where}: ffmpeg knows no input format ${name} (inputFormat); \`signflow camera list-devices\` lists what the device gives`
      : `${where}: ffmpeg has no pixel format ${name} (see \`ffmpeg -pix_fmts\`)`;
  }
  if (source.kind === 'v4l2' && (hit = has(/Cannot find a proper format for codec/i))) {
    const asked = source.inputFormat ? `input format ${source.inputFormat}` : 'a format ffmpeg can read';
    return `${where} cannot give ${asked} at that size and rate (${hit}); \`signflow camera list-devices\` lists what it gives`;
  }
  if ((hit = has(/Invalid data found when processing input|moov atom not found|could not find codec parameters/i))) {
    return `${where} is not a readable video (${hit})`;
  }
  if ((hit = has(/Cannot find a proper format|Invalid argument|not supported|Unsupported pixel format|Cannot allocate/i))) {
    return `${where} refused the requested format: ${hit}`;
  }
  if ((hit = has(/Server returned|404 Not Found|401 Unauthorized|403 Forbidden/i))) return `${where}: ${hit}`;
  const last = lines.filter((l) => !/^(Input|Output|Stream|Duration|Press)/.test(l)).at(-1);
  return last ? `${where}: ffmpeg said: ${last}` : `${where}: ffmpeg exited without a message`;
}

/** `Stream #0:0...: Video: h264 ..., 620x1080 ...` of the input section → its size. */
export function parseInputSize(stderr: string): { width: number; height: number } | undefined {
  const inputSection = stderr.split(/\nOutput #0|\nStream mapping:/)[0] ?? '';
  const match = /Stream #0:\d+[^\n]*: Video: [^\n]*?, (\d{2,5})x(\d{2,5})[\s,[]/.exec(inputSection);
  if (!match) return undefined;
  return { width: Number(match[1]), height: Number(match[2]) };
}

/** ffmpeg's rawvideo decoder on a packet shorter than one frame: the pixel format or size is wrong. */
export function parseRawFrameMismatch(stderr: string): string | undefined {
  return /Invalid buffer size, packet size \d+ < expected frame_size \d+/.exec(stderr)?.[0];
}

/** V4L2 drivers silently pick another size; ffmpeg reports it in this line. */
export function parseV4l2SizeChange(stderr: string): string | undefined {
  return /The V4L2 driver changed the video from (\d+x\d+) to (\d+x\d+)/.exec(stderr)?.[0];
}
