import { connect, type NatsConnection } from '@nats-io/transport-node';
import { jetstream, jetstreamManager } from '@nats-io/jetstream';
import type { KV } from '@nats-io/kv';
import { createLogger, describeError, type Logger } from '@signflow/core';
import { requireTool } from '@signflow/stack';
import type { RigConfig } from './rig/schema.js';
import { CameraPipeline, type CapturedFrame } from './camera-pipeline.js';
import { ensureFramesStream } from './publish/streams.js';
import { openCamerasKv, putAndMeasureOffset, type ClockOffset } from './status/heartbeat.js';
import { cameraKey, type CameraStatus, type RigStatus } from './status/schema.js';
import { Bundler } from './bundle/bundler.js';
import { AGENT_VERSION } from './version.js';

export interface AgentOptions {
  rig: RigConfig;
  /** NATS URL; the rig file's nats.url is used when omitted. */
  servers?: string | undefined;
  user?: string | undefined;
  password?: string | undefined;
  /** Where sequence counters live, so msg ids never repeat across restarts. */
  stateDir?: string | undefined;
  logger?: Logger;
  /** Longest wait at stop for buffered frames to be acked. */
  drainTimeoutMs?: number;
  onFrame?: (frame: CapturedFrame) => void;
}

export interface AgentStatus {
  cameras: CameraStatus[];
  rig: RigStatus;
  connected: boolean;
}

/** A running camera agent: one pipeline per camera, heartbeats, rig-level bundle statistics. */
export class CameraAgent {
  private heartbeatTimer: NodeJS.Timeout | undefined;
  private heartbeating: Promise<void> | undefined;
  private clock: ClockOffset | undefined;
  private stopped = false;

  constructor(
    readonly rig: RigConfig,
    readonly nc: NatsConnection,
    private readonly kv: KV,
    readonly pipelines: CameraPipeline[],
    private readonly bundler: Bundler<number>,
    private readonly logger: Logger,
    private readonly drainTimeoutMs: number,
  ) {}

  start(): void {
    for (const pipeline of this.pipelines) pipeline.start();
    this.heartbeatTimer = setInterval(() => {
      this.heartbeating ??= this.heartbeat().finally(() => {
        this.heartbeating = undefined;
      });
    }, this.rig.heartbeat.interval);
  }

  status(): AgentStatus {
    const clock = { offsetMs: this.clock ? round(this.clock.offsetMs) : null, uncertaintyMs: this.clock ? round(this.clock.uncertaintyMs) : null };
    return {
      cameras: this.pipelines.map((p) => p.status(clock)),
      rig: {
        rig: this.rig.id,
        cameras: this.rig.cameras.map((c) => c.id),
        toleranceMs: this.rig.bundle.tolerance,
        ...this.bundler.stats(),
        clockOffsetMs: clock.offsetMs,
        updatedAt: new Date().toISOString(),
      },
      connected: !this.nc.isClosed() && this.nc.info !== undefined,
    };
  }

  /** Writes every camera's status (and the rig's, for multi-camera rigs) to the KV bucket. */
  async heartbeat(): Promise<void> {
    const status = this.status();
    try {
      for (const [index, camera] of status.cameras.entries()) {
        const key = cameraKey(this.rig.id, camera.camera);
        if (index === 0) this.clock = (await putAndMeasureOffset(this.kv, key, JSON.stringify(camera))) ?? this.clock;
        else await this.kv.put(key, JSON.stringify(camera));
      }
      if (this.pipelines.length > 1) await this.kv.put(this.rig.id, JSON.stringify(status.rig));
    } catch (err) {
      this.logger.debug({ err: describeError(err) }, 'heartbeat not written (NATS unreachable?)');
    }
  }

  /** SIGTERM path: stop ffmpeg, send what is buffered, write a last heartbeat, close NATS. */
  async stop(): Promise<{ unsent: number }> {
    if (this.stopped) return { unsent: 0 };
    this.stopped = true;
    clearInterval(this.heartbeatTimer);
    await this.heartbeating;
    const left = await Promise.all(this.pipelines.map((p) => p.stop(this.drainTimeoutMs)));
    await this.heartbeat();
    await this.nc.drain().catch(() => this.nc.close());
    return { unsent: left.reduce((a, b) => a + b, 0) };
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.stop();
  }
}

function round(n: number): number {
  return Math.round(n * 100) / 100;
}

/** Connects to NATS, makes the stream and bucket, and starts every camera of the rig. */
export async function startAgent(options: AgentOptions): Promise<CameraAgent> {
  const { rig } = options;
  const logger = options.logger ?? createLogger('camera-agent').child({ rig: rig.id });
  const ffmpeg = requireTool('ffmpeg');
  const servers = options.servers ?? rig.nats.url ?? 'nats://127.0.0.1:4222';
  const user = options.user ?? rig.nats.user;
  const pass = options.password ?? rig.nats.password;
  const nc = await connect({
    servers,
    name: `signflow-camera-agent ${rig.id}`,
    maxReconnectAttempts: -1,
    reconnectTimeWait: 250,
    ...(user ? { user, pass } : {}),
  });
  try {
    const jsm = await jetstreamManager(nc);
    await ensureFramesStream(jsm, rig.stream);
    const kv = await openCamerasKv(nc);
    const js = jetstream(nc);
    const bundler = new Bundler<number>(rig.cameras.map((c) => c.id), rig.bundle.tolerance, () => undefined);
    const pipelines = rig.cameras.map(
      (camera) =>
        new CameraPipeline(camera, {
          rig,
          js,
          ffmpegPath: ffmpeg.path,
          stateDir: options.stateDir,
          logger,
          agentVersion: AGENT_VERSION,
          onFrame: (frame) => {
            bundler.add({ camera: frame.camera, captureNs: frame.capture.wallNs, item: frame.seq });
            options.onFrame?.(frame);
          },
        }),
    );
    const agent = new CameraAgent(rig, nc, kv, pipelines, bundler, logger, options.drainTimeoutMs ?? 10_000);
    agent.start();
    logger.info({ cameras: rig.cameras.length, servers, ffmpeg: ffmpeg.path }, 'camera agent started');
    return agent;
  } catch (err) {
    await nc.close();
    throw err;
  }
}
