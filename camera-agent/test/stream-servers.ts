import { existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { freePort, ManagedProcess, requireTool, toolsBinDir, waitFor } from '@signflow/stack';
import { tempDir } from '@signflow/testkit';

/** A test video source ffmpeg generates: `size` at `fps`, paced in real time like a camera. */
function liveTestSource(size: string, fps: number): string[] {
  return ['-hide_banner', '-nostdin', '-loglevel', 'info', '-re', '-f', 'lavfi', '-i', `testsrc2=size=${size}:rate=${fps}`];
}

/** The mediamtx binary `npm run setup` builds (scripts/setup.d/21-mediamtx.sh), or SIGNFLOW_MEDIAMTX. */
export function mediamtxPath(): string {
  const path = process.env['SIGNFLOW_MEDIAMTX'] ?? join(toolsBinDir, 'mediamtx');
  if (!existsSync(path)) throw new Error(`mediamtx not found at ${path}: run \`npm run setup\` (builds it into .tools/bin) or set SIGNFLOW_MEDIAMTX`);
  return path;
}

export interface RtspCamera {
  /** rtsp://127.0.0.1:<port>/<path> that readers open. */
  url: string;
  [Symbol.asyncDispose](): Promise<void>;
}

/**
 * A real RTSP server (mediamtx, TCP only, on a free port, every other protocol off) with ffmpeg
 * publishing an H.264 test picture to it, like an IP camera; ready once mediamtx says the path is
 * being published.
 */
export async function startRtspCamera(options: { size?: string; fps?: number; path?: string } = {}): Promise<RtspCamera> {
  const dir = await tempDir('signflow-rtsp-');
  const port = await freePort();
  const path = options.path ?? 'cam';
  const config = join(dir.path, 'mediamtx.yml');
  writeFileSync(
    config,
    [
      'logLevel: info',
      'logDestinations: [stdout]',
      ...['api', 'metrics', 'pprof', 'playback', 'rtmp', 'hls', 'webrtc', 'srt'].map((part) => `${part}: no`),
      'rtsp: yes',
      'rtspTransports: [tcp]',
      `rtspAddress: 127.0.0.1:${port}`,
      'paths:',
      '  all_others:',
    ].join('\n'),
  );
  const server = new ManagedProcess({ command: mediamtxPath(), args: [config], cwd: dir.path });
  const url = `rtsp://127.0.0.1:${port}/${path}`;
  let publisher: ManagedProcess | undefined;
  const stop = async (): Promise<void> => {
    await publisher?.stop(3000);
    await server.stop(3000);
    await dir[Symbol.asyncDispose]();
  };
  try {
    const abortIf = (p: ManagedProcess) => () => (p.running ? undefined : p.exitError());
    await waitFor('mediamtx listening', async () => (server.outputTail().includes(`listener opened on 127.0.0.1:${port}`) ? true : undefined), { timeoutMs: 10_000, abortIf: abortIf(server) });
    publisher = new ManagedProcess({
      command: requireTool('ffmpeg').path,
      args: [...liveTestSource(options.size ?? '320x240', options.fps ?? 15), '-c:v', 'libx264', '-preset', 'ultrafast', '-tune', 'zerolatency', '-g', String(options.fps ?? 15), '-pix_fmt', 'yuv420p', '-f', 'rtsp', '-rtsp_transport', 'tcp', url],
    });
    await waitFor('ffmpeg publishing to mediamtx', async () => (server.outputTail().includes(`is publishing to path '${path}'`) ? true : undefined), { timeoutMs: 15_000, abortIf: abortIf(publisher) });
  } catch (err) {
    await stop();
    throw err;
  }
  return { url, [Symbol.asyncDispose]: stop };
}

export interface HttpCamera {
  url: string;
  /** The serving ffmpeg (it serves one client, then exits). */
  process: ManagedProcess;
  [Symbol.asyncDispose](): Promise<void>;
}

/**
 * ffmpeg as an HTTP camera: serves a test picture as `format` (mpjpeg: multipart MJPEG, as IP
 * cameras do; or mpegts) with `-listen 1` on a free port, to one client.
 */
export async function startHttpCamera(options: { format?: 'mpjpeg' | 'mpegts'; size?: string; fps?: number } = {}): Promise<HttpCamera> {
  const port = await freePort();
  const format = options.format ?? 'mpjpeg';
  const url = `http://127.0.0.1:${port}/cam.${format === 'mpjpeg' ? 'mjpg' : 'ts'}`;
  const codec = format === 'mpjpeg' ? ['-c:v', 'mjpeg', '-q:v', '5'] : ['-c:v', 'libx264', '-preset', 'ultrafast', '-tune', 'zerolatency', '-pix_fmt', 'yuv420p'];
  const server = new ManagedProcess({
    command: requireTool('ffmpeg').path,
    args: [...liveTestSource(options.size ?? '320x240', options.fps ?? 15), ...codec, '-f', format, '-listen', '1', url],
  });
  return { url, process: server, [Symbol.asyncDispose]: () => server.stop(3000) };
}
