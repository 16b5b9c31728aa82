import { spawn, type ChildProcess } from 'node:child_process';
import type { Readable } from 'node:stream';
import { MAX_MESSAGE_BYTES, type Logger } from '@signflow/core';
import { CameraSourceError } from '../errors.js';
import type { CameraConfig } from '../rig/schema.js';
import { captureNow, type CaptureTime } from '../clock.js';
import { JpegSplitter } from './jpeg-splitter.js';
import { RawFrameAssembler } from './raw-frames.js';
import { describeSource, ffmpegPlan } from './ffmpeg-args.js';
import { explainFfmpegFailure, isNoise, parseInputSize, parseRawFrameMismatch, parseV4l2SizeChange } from './ffmpeg-errors.js';
import { checkRawVideoFile, ffmpegPixelFormats } from './raw-video.js';

export type SourceState = 'starting' | 'streaming' | 'backoff' | 'ended' | 'stopped';

export interface CameraSourceHandlers {
  frame(jpeg: Buffer, capture: CaptureTime): void;
  /** A small gray picture (for image-quality signals), about once a second. */
  gray?(pixels: Buffer, width: number, height: number): void;
  /** RGB frames for the edge landmark detector (only when the camera's landmarks are on). */
  rgb?(pixels: Buffer, width: number, height: number, capture: CaptureTime): void;
  error?(err: CameraSourceError): void;
  state?(state: SourceState): void;
}

export interface CameraSourceOptions {
  ffmpegPath: string;
  logger?: Logger;
  backoffInitialMs?: number;
  backoffMaxMs?: number;
  /** A streaming source with no frame for this long is restarted (default: 20 frame intervals, ≥ 5 s). */
  stallMs?: number;
}

type RunEnd = { kind: 'ended' } | { kind: 'stopped' } | { kind: 'failed'; error: CameraSourceError };

/**
 * One camera's ffmpeg, kept running: restarted with exponential backoff after a crash, an
 * unplugged device or a stall, reporting each failure as a CameraSourceError naming the cause.
 */
export class CameraSource {
  private child: ChildProcess | undefined;
  private stopping = false;
  private wake: (() => void) | undefined;
  private loop: Promise<void> | undefined;
  private currentState: SourceState = 'starting';
  lastError: CameraSourceError | undefined;
  restarts = 0;
  framesOut = 0;

  constructor(
    readonly camera: CameraConfig,
    private readonly handlers: CameraSourceHandlers,
    private readonly options: CameraSourceOptions,
  ) {}

  /** The running ffmpeg's pid (for CPU accounting). */
  get pid(): number | undefined {
    return this.child?.pid;
  }

  get state(): SourceState {
    return this.currentState;
  }

  start(): void {
    this.loop ??= this.runLoop();
  }

  /** Stops ffmpeg (SIGTERM, then SIGKILL) and waits for the loop to end. */
  async stop(): Promise<void> {
    this.stopping = true;
    this.wake?.();
    const child = this.child;
    if (child && child.exitCode === null && child.signalCode === null) {
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 3000);
      await this.loop;
      clearTimeout(timer);
    } else await this.loop;
    this.setState('stopped');
  }

  private setState(state: SourceState): void {
    if (state === this.currentState) return;
    this.currentState = state;
    this.handlers.state?.(state);
  }

  private async runLoop(): Promise<void> {
    const initial = this.options.backoffInitialMs ?? 500;
    let backoff = initial;
    while (!this.stopping) {
      this.setState('starting');
      const framesBefore = this.framesOut;
      const end = await this.runOnce();
      if (end.kind === 'stopped' || this.stopping) break;
      if (end.kind === 'ended') {
        this.setState('ended');
        return;
      }
      this.lastError = end.error;
      this.options.logger?.warn({ camera: this.camera.id, err: end.error.message, retryInMs: backoff }, 'camera source failed; restarting');
      this.handlers.error?.(end.error);
      if (this.framesOut > framesBefore) backoff = initial;
      this.setState('backoff');
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, backoff);
        this.wake = () => {
          clearTimeout(timer);
          resolve();
        };
      });
      this.wake = undefined;
      backoff = Math.min(backoff * 2, this.options.backoffMaxMs ?? 15_000);
      this.restarts++;
    }
  }

  private runOnce(): Promise<RunEnd> {
    const camera = this.camera;
    const source = camera.source;
    if (source.kind === 'file' && source.raw) {
      const problem = checkRawVideoFile({ ...source, raw: source.raw }, ffmpegPixelFormats(this.options.ffmpegPath));
      if (problem) return Promise.resolve({ kind: 'failed', error: new CameraSourceError(camera.id, problem) });
    }
    const plan = ffmpegPlan(camera);
    const child = spawn(this.options.ffmpegPath, plan.args, { stdio: ['ignore', 'pipe', 'pipe', 'pipe', plan.landmarks ? 'pipe' : 'ignore'] });
    this.child = child;
    let stderrHead = '';
    const tail: string[] = [];
    let failure: CameraSourceError | undefined;
    let lastFrameAt = Date.now();
    let frames = 0;
    const startedAt = Date.now();
    const stallMs = this.options.stallMs ?? Math.max(5000, (20 * 1000) / camera.fps);

    const fail = (detail: string, cause?: unknown): void => {
      if (failure || this.stopping) return;
      failure = new CameraSourceError(camera.id, detail, { cause });
      child.kill('SIGKILL');
    };

    const checkInputSize = (): void => {
      const change = parseV4l2SizeChange(stderrHead);
      if (change) return fail(`${describeSource(camera.source)} cannot give ${camera.resolution.width}x${camera.resolution.height}: ${change}`);
      const input = parseInputSize(stderrHead);
      if (!input || camera.source.kind === 'testsrc') return;
      const { width, height } = camera.resolution;
      if (Math.min(width / input.width, height / input.height) > 1.0001) {
        fail(`${describeSource(camera.source)} gives ${input.width}x${input.height}, it cannot give ${width}x${height} without upscaling; lower the resolution`);
      }
    };

    const splitter = new JpegSplitter((jpeg) => {
      if (failure) return;
      frames++;
      this.framesOut++;
      lastFrameAt = Date.now();
      if (frames === 1) {
        checkInputSize();
        if (failure) return;
        this.setState('streaming');
      }
      this.handlers.frame(jpeg, captureNow());
    }, MAX_MESSAGE_BYTES * 4);
    child.stdout?.on('data', (chunk: Buffer) => splitter.push(chunk));

    const grayPipe = child.stdio[3] as Readable | null | undefined;
    if (grayPipe) {
      const assembler = new RawFrameAssembler(plan.quality.width * plan.quality.height, (pixels) => this.handlers.gray?.(pixels, plan.quality.width, plan.quality.height));
      grayPipe.on('data', (chunk: Buffer) => assembler.push(chunk));
      grayPipe.on('error', () => undefined);
    }
    const rgbPipe = child.stdio[4] as Readable | null | undefined;
    const lm = plan.landmarks;
    if (rgbPipe && lm) {
      const assembler = new RawFrameAssembler(lm.width * lm.height * 3, (pixels) => this.handlers.rgb?.(pixels, lm.width, lm.height, captureNow()));
      rgbPipe.on('data', (chunk: Buffer) => assembler.push(chunk));
      rgbPipe.on('error', () => undefined);
    }
    child.stderr?.on('data', (chunk: Buffer) => {
      const text = chunk.toString('utf8');
      if (stderrHead.length < 64 * 1024) stderrHead += text;
      const mismatch = parseRawFrameMismatch(text);
      if (mismatch) fail(`${describeSource(camera.source)} does not hold whole frames of that pixel format and size (${mismatch}); wrong raw.pixelFormat or raw.size`);
      for (const line of text.split('\n')) {
        if (!line.trim() || isNoise(line)) continue;
        tail.push(line);
        if (tail.length > 30) tail.shift();
      }
    });

    const watchdog = setInterval(() => {
      const now = Date.now();
      if (frames === 0 && now - startedAt > plan.firstFrameTimeoutMs) {
        fail(`no frame from ${describeSource(camera.source)} within ${Math.round(plan.firstFrameTimeoutMs / 1000)} s (source not answering)`);
      } else if (frames > 0 && now - lastFrameAt > stallMs) {
        fail(`${describeSource(camera.source)} stalled: no frame for ${Math.round((now - lastFrameAt) / 1000)} s`);
      }
    }, 250);

    return new Promise<RunEnd>((resolve) => {
      let spawnError: Error | undefined;
      child.once('error', (err) => {
        spawnError = err;
      });
      child.once('close', (code, signal) => {
        clearInterval(watchdog);
        this.child = undefined;
        if (failure) return resolve({ kind: 'failed', error: failure });
        if (this.stopping) return resolve({ kind: 'stopped' });
        if (spawnError) {
          return resolve({ kind: 'failed', error: new CameraSourceError(camera.id, `cannot run ffmpeg (${this.options.ffmpegPath}): ${spawnError.message}`, { cause: spawnError }) });
        }
        const finite = camera.source.kind === 'file' && !camera.source.loop;
        if (code === 0 && frames > 0 && finite) return resolve({ kind: 'ended' });
        const how = signal ? `signal ${signal}` : `code ${String(code)}`;
        const detail = explainFfmpegFailure(camera.source, tail.join('\n'), Date.now() - startedAt);
        const cause = new Error(`ffmpeg exited (${how}):\n${tail.join('\n')}`);
        resolve({ kind: 'failed', error: new CameraSourceError(camera.id, frames > 0 ? `ffmpeg exited (${how}) after ${frames} frames: ${detail}` : detail, { cause }) });
      });
    });
  }
}
