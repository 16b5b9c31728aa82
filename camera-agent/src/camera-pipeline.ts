import { hostname } from 'node:os';
import { join } from 'node:path';
import type { JetStreamClient } from '@nats-io/jetstream';
import { MAX_MESSAGE_BYTES, frameHeaderRecord, frameMsgId, subjects, type Logger } from '@signflow/core';
import type { CameraConfig, RigConfig } from './rig/schema.js';
import { CameraSource } from './source/camera-source.js';
import { FrameBuffer } from './publish/frame-buffer.js';
import { FrameSender } from './publish/frame-sender.js';
import { SeqCounter } from './publish/seq-counter.js';
import { imageQuality, type ImageQuality } from './status/quality.js';
import type { BundleStats, CameraStatus } from './status/schema.js';
import { FramePublishError } from './errors.js';
import { nsToMs, type CaptureTime } from './clock.js';
import type { EdgeLandmarks } from './landmarks/edge-landmarks.js';

export interface CapturedFrame {
  camera: string;
  seq: number;
  capture: CaptureTime;
  jpeg: Buffer;
}

export interface CameraPipelineOptions {
  rig: RigConfig;
  js: JetStreamClient;
  ffmpegPath: string;
  stateDir: string | undefined;
  logger: Logger;
  agentVersion: string;
  /** Edge landmark mode: the detector runner for this camera. */
  landmarks?: EdgeLandmarks | undefined;
  onFrame?: (frame: CapturedFrame) => void;
}

/** One camera end to end: ffmpeg source → bounded buffer → in-order JetStream sender. */
export class CameraPipeline {
  readonly source: CameraSource;
  readonly buffer: FrameBuffer;
  readonly sender: FrameSender;
  private readonly seq: SeqCounter;
  private captured = 0;
  private capturedBytes = 0;
  private lastSeq = 0;
  private oversize = 0;
  private lastFrameWallNs: bigint | undefined;
  private quality: ImageQuality | null = null;
  private lastError: { message: string; at: string } | undefined;
  private previousError: { message: string; at: string; recoveredAt: string } | null = null;
  private errorCount = 0;
  private fpsWindow = { at: Date.now(), frames: 0, fps: 0 };

  constructor(
    readonly camera: CameraConfig,
    private readonly options: CameraPipelineOptions,
  ) {
    const { rig } = options;
    this.seq = new SeqCounter(options.stateDir ? join(options.stateDir, `${rig.id}.${camera.id}.seq`) : undefined);
    this.buffer = new FrameBuffer({
      maxFrames: rig.buffer.maxFrames,
      maxBytes: rig.buffer.maxBytes,
      diskDir: rig.buffer.diskDir ? join(rig.buffer.diskDir, rig.id, camera.id) : undefined,
      diskMaxBytes: rig.buffer.diskMaxBytes,
    });
    // Frames an earlier run left on disk go first; new frames number after them.
    this.seq.advanceTo(this.buffer.highestSeq + 1);
    if (this.buffer.counters.restored > 0) {
      options.logger.info({ camera: camera.id, frames: this.buffer.counters.restored, upToSeq: this.buffer.highestSeq }, 'resending frames left in the disk buffer by an earlier run');
    }
    this.sender = new FrameSender(camera.id, subjects.frames(rig.id, camera.id), this.buffer, options.js, {
      msgId: (seq) => frameMsgId(rig.id, camera.id, seq),
      logger: options.logger,
    });
    this.source = new CameraSource(
      camera,
      {
        frame: (jpeg, capture) => this.onFrame(jpeg, capture),
        gray: (pixels, width, height) => {
          this.quality = imageQuality(pixels, width, height);
        },
        error: (err) => this.recordError(err.message),
        rgb: (pixels, width, height, capture) => options.landmarks?.offer(pixels, width, height, capture, this.lastSeq),
      },
      { ffmpegPath: options.ffmpegPath, logger: options.logger },
    );
  }

  start(): void {
    this.sender.start();
    this.source.start();
  }

  private recordError(message: string): void {
    this.lastError = { message, at: new Date().toISOString() };
    this.errorCount++;
  }

  /** Frames flow again: the error is history, not the camera's current state. */
  private clearError(): void {
    if (!this.lastError) return;
    this.previousError = { ...this.lastError, recoveredAt: new Date().toISOString() };
    this.lastError = undefined;
  }

  private onFrame(jpeg: Buffer, capture: CaptureTime): void {
    const { rig } = this.options;
    if (jpeg.length > MAX_MESSAGE_BYTES) {
      this.oversize++;
      this.recordError(new FramePublishError(this.camera.id, `a ${jpeg.length}-byte JPEG exceeds the ${MAX_MESSAGE_BYTES}-byte message limit; lower jpegQuality`).message);
      return;
    }
    const seq = this.seq.take();
    this.clearError();
    this.lastSeq = seq;
    this.captured++;
    this.capturedBytes += jpeg.length;
    this.fpsWindow.frames++;
    this.lastFrameWallNs = capture.wallNs;
    const headers = frameHeaderRecord({
      rig: rig.id,
      camera: this.camera.id,
      seq,
      captureWallNs: capture.wallNs,
      captureMonoNs: capture.monoNs,
      width: this.camera.resolution.width,
      height: this.camera.resolution.height,
      encoding: 'jpeg',
      calibrationVersion: this.camera.calibration?.version ?? '',
    });
    if (this.camera.landmarks.mode !== 'only') this.buffer.push({ seq, headers, data: jpeg });
    this.options.onFrame?.({ camera: this.camera.id, seq, capture, jpeg });
  }

  /** Frames per second captured since the last call (or the last figure if called too soon). */
  private fps(): number {
    const now = Date.now();
    const dt = (now - this.fpsWindow.at) / 1000;
    if (dt >= 0.5) this.fpsWindow = { at: now, frames: 0, fps: this.fpsWindow.frames / dt };
    return Math.round(this.fpsWindow.fps * 100) / 100;
  }

  status(clock: { offsetMs: number | null; uncertaintyMs: number | null }, bundles: BundleStats | null): CameraStatus {
    const sourceState = this.source.state;
    const senderError = this.sender.lastError;
    const lastError = this.lastError ?? (senderError ? { message: senderError.message, at: this.sender.lastErrorAt ?? new Date().toISOString() } : undefined);
    const recovered = this.sender.recovered;
    const previousError = recovered && (!this.previousError || recovered.recoveredAt > this.previousError.recoveredAt) ? recovered : this.previousError;
    return {
      rig: this.options.rig.id,
      camera: this.camera.id,
      role: this.camera.role,
      state: sourceState === 'backoff' ? 'error' : sourceState,
      fps: this.fps(),
      framesCaptured: this.captured,
      framesSent: this.sender.counters.sent,
      dropped: this.buffer.counters.dropped + this.oversize,
      buffered: this.buffer.length,
      bufferedBytes: this.buffer.bytes,
      duplicates: this.sender.counters.duplicates,
      restarts: this.source.restarts,
      lastFrameTime: this.lastFrameWallNs === undefined ? null : new Date(nsToMs(this.lastFrameWallNs)).toISOString(),
      lastError: lastError?.message ?? null,
      lastErrorAt: lastError?.at ?? null,
      previousError,
      errors: this.errorCount + this.sender.episodes,
      quality: this.quality,
      clockOffsetMs: clock.offsetMs,
      clockUncertaintyMs: clock.uncertaintyMs,
      bundles,
      landmarks: this.landmarkStatus(),
      agentVersion: this.options.agentVersion,
      host: hostname(),
      updatedAt: new Date().toISOString(),
    };
  }

  private landmarkStatus(): CameraStatus['landmarks'] {
    const edge = this.options.landmarks;
    if (!edge) return null;
    const perPacket = edge.counters.packets ? edge.counters.bytes / edge.counters.packets : 0;
    const perJpeg = this.captured ? this.capturedBytes / this.captured : 0;
    return {
      mode: this.camera.landmarks.mode,
      packets: edge.counters.packets,
      skipped: edge.counters.skipped,
      bytes: edge.counters.bytes,
      bytesPerPacket: Math.round(perPacket),
      bytesPerJpeg: Math.round(perJpeg),
      bandwidthRatio: perJpeg ? Math.round((perPacket / perJpeg) * 10_000) / 10_000 : null,
      lastError: edge.lastError ?? null,
    };
  }

  /**
   * Stops ffmpeg, then sends what is buffered (up to `drainMs`); what is left goes to the disk
   * buffer when there is one (`kept`), for the next start to send.
   */
  async stop(drainMs: number): Promise<{ unsent: number; kept: number }> {
    await this.source.stop();
    await this.options.landmarks?.close();
    const unsent = await this.sender.drain(drainMs);
    const kept = unsent > 0 ? this.buffer.persist() : 0;
    if (unsent > kept) this.options.logger.warn({ camera: this.camera.id, unsent, kept }, 'frames left unsent at shutdown');
    else if (kept > 0) this.options.logger.info({ camera: this.camera.id, kept }, 'unsent frames kept in the disk buffer for the next start');
    return { unsent, kept };
  }
}
