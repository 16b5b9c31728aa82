import type { CameraConfig, SourceConfig } from '../rig/schema.js';
import { qscaleForQuality } from '../rig/jpeg-size.js';

/** Gray thumbnails for the image-quality signals (brightness, blur, over-exposure). */
export const QUALITY_WIDTH = 160;
export const QUALITY_FPS = 1;

export interface FfmpegPlan {
  args: string[];
  /** Size of the gray quality frames written to fd 3. */
  quality: { width: number; height: number };
  /** Size of the RGB frames for the landmark detector written to fd 4, when landmarks are on. */
  landmarks: { width: number; height: number } | undefined;
  /** Longest wait for the first frame before the source counts as not answering. */
  firstFrameTimeoutMs: number;
}

function inputArgs(source: SourceConfig, camera: CameraConfig): string[] {
  const { width, height } = camera.resolution;
  switch (source.kind) {
    case 'file': {
      const raw = source.raw ? ['-f', 'rawvideo', '-pixel_format', source.raw.pixelFormat, '-video_size', `${source.raw.size.width}x${source.raw.size.height}`, '-framerate', String(source.raw.fps)] : [];
      return [...(source.realtime ? ['-re'] : []), ...(source.loop ? ['-stream_loop', '-1'] : []), ...raw, '-i', source.path];
    }
    case 'testsrc':
      return [...(source.realtime ? ['-re'] : []), '-f', 'lavfi', '-i', `${source.pattern}=size=${width}x${height}:rate=${camera.fps}`];
    case 'v4l2':
      return ['-f', 'v4l2', '-framerate', String(camera.fps), '-video_size', `${width}x${height}`, ...(source.inputFormat ? ['-input_format', source.inputFormat] : []), '-i', source.device];
    case 'rtsp':
      return ['-rtsp_transport', source.transport, '-timeout', String(Math.round(source.timeout * 1000)), '-i', source.url];
    case 'http':
      // A live HTTP camera (multipart MJPEG has no timestamps of its own): frames are timed by arrival.
      return ['-rw_timeout', String(Math.round(source.timeout * 1000)), '-use_wallclock_as_timestamps', '1', '-i', source.url];
  }
}

/** Human name of where the pictures come from, for error messages. */
export function describeSource(source: SourceConfig): string {
  switch (source.kind) {
    case 'file':
      return source.raw ? `raw ${source.raw.pixelFormat} ${source.raw.size.width}x${source.raw.size.height} file ${source.path}` : `file ${source.path}`;
    case 'testsrc':
      return `ffmpeg ${source.pattern}`;
    case 'v4l2':
      return `device ${source.device}`;
    case 'rtsp':
    case 'http':
      return `stream ${source.url}`;
  }
}

/**
 * One ffmpeg per camera: decode, fit into the configured resolution (letterboxed, never
 * stretched), encode JPEG to stdout (image2pipe), a small gray picture once a second to fd 3,
 * and (edge landmark mode) RGB frames at the landmark rate to fd 4.
 */
export function ffmpegPlan(camera: CameraConfig): FfmpegPlan {
  const { width, height } = camera.resolution;
  const qWidth = QUALITY_WIDTH;
  const qHeight = Math.max(2, Math.round((height * qWidth) / width / 2) * 2);
  const landmarks = camera.landmarks.mode !== 'off';
  const filter = [
    `[0:v]fps=${camera.fps},scale=${width}:${height}:force_original_aspect_ratio=decrease,`,
    `pad=${width}:${height}:(ow-iw)/2:(oh-ih)/2,setsar=1,split=${landmarks ? 3 : 2}[main][q0]${landmarks ? '[lm0]' : ''};`,
    `[q0]fps=${QUALITY_FPS},scale=${qWidth}:${qHeight},format=gray[q]`,
    landmarks ? `;[lm0]fps=${camera.landmarks.fps},format=rgb24[lm]` : '',
  ].join('');
  const args = [
    '-hide_banner',
    '-nostdin',
    '-nostats',
    '-loglevel',
    'info',
    ...inputArgs(camera.source, camera),
    '-filter_complex',
    filter,
    '-map',
    '[main]',
    '-fps_mode',
    'passthrough',
    '-f',
    'image2pipe',
    '-c:v',
    'mjpeg',
    '-q:v',
    String(qscaleForQuality(camera.jpegQuality)),
    '-pix_fmt',
    'yuvj420p',
    'pipe:1',
    '-map',
    '[q]',
    '-fps_mode',
    'passthrough',
    '-f',
    'rawvideo',
    '-pix_fmt',
    'gray',
    'pipe:3',
    ...(landmarks ? ['-map', '[lm]', '-fps_mode', 'passthrough', '-f', 'rawvideo', '-pix_fmt', 'rgb24', 'pipe:4'] : []),
  ];
  const network = camera.source.kind === 'rtsp' || camera.source.kind === 'http' ? camera.source.timeout : 0;
  return { args, quality: { width: qWidth, height: qHeight }, landmarks: landmarks ? { width, height } : undefined, firstFrameTimeoutMs: Math.max(10_000, network + 5000) };
}
