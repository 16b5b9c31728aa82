import { connect, type ConnectionOptions, type NatsConnection } from '@nats-io/transport-node';
import { jetstream, jetstreamManager, type JetStreamManager } from '@nats-io/jetstream';
import type { KV } from '@nats-io/kv';
import { createLogger, describeError, redactUrlCredentials, streams, type Logger } from '@signflow/core';
import { requireTool } from '@signflow/stack';
import type { RigConfig } from './rig/schema.js';
import { CameraPipeline, type CapturedFrame } from './camera-pipeline.js';
import { ensureFramesStream, ensureLandmarksStream } from './publish/streams.js';
import { EdgeLandmarks } from './landmarks/edge-landmarks.js';
import { createDetector } from '@signflow/landmarks';
import { measureClockOffset, openCamerasKv, type ClockOffset } from './status/heartbeat.js';
import { cameraKey, type BundleStats, type CameraStatus } from './status/schema.js';
import { Bundler } from './bundle/bundler.js';
import { AGENT_VERSION } from './version.js';

export interface AgentOptions {
  rig: RigConfig;
  /** NATS URL; the rig file's nats.url is used when omitted. */
  servers?: string | undefined;
  /** Credentials and options for this agent's NATS user (user/pass, nkey authenticator, inbox prefix). */
  connectOptions?: Partial<ConnectionOptions>;
  /** Where sequence counters live, so msg ids never repeat across restarts. */
  stateDir?: string | undefined;
  logger?: Logger;
  /** Longest wait at stop for buffered frames to be acked. */
  drainTimeoutMs?: number;
  onFrame?: (frame: CapturedFrame) => void;
}

export interface AgentStatus {
  cameras: CameraStatus[];
  bundles: BundleStats | null;
  clock: ClockOffset | null;
}

/** A running camera agent: one pipeline per camera, heartbeats, rig-level bundle statistics. */
export class CameraAgent {
  private heartbeatTimer: NodeJS.Timeout | undefined;
  private heartbeating: Promise<void> | undefined;
  private clock: ClockOffset | null = null;
  private stopping: Promise<{ unsent: number; kept: number }> | undefined;

  constructor(
    readonly rig: RigConfig,
    readonly nc: NatsConnection,
    private readonly jsm: JetStreamManager,
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
    const bundles: BundleStats | null =
      this.pipelines.length > 1 ? { cameras: this.rig.cameras.map((c) => c.id), toleranceMs: this.rig.bundle.tolerance, ...this.bundler.stats() } : null;
    const clock = { offsetMs: this.clock ? round(this.clock.offsetMs) : null, uncertaintyMs: this.clock ? round(this.clock.uncertaintyMs) : null };
    return { cameras: this.pipelines.map((p) => p.status(clock, bundles)), bundles, clock: this.clock };
  }

  /** Measures the clock offset against the server and writes every camera's status to the KV bucket. */
  async heartbeat(): Promise<void> {
    try {
      this.clock = (await measureClockOffset(this.jsm)) ?? this.clock;
      for (const camera of this.status().cameras) await this.kv.put(cameraKey(this.rig.id, camera.camera), JSON.stringify(camera));
    } catch (err) {
      this.logger.debug({ err: describeError(err) }, 'heartbeat not written (NATS unreachable?)');
    }
  }

  /**
   * SIGTERM path: stop ffmpeg, send what is buffered, write a last heartbeat, close NATS.
   * `unsent` frames could not be sent in time; `kept` of them wait in the disk buffer for the next start.
   */
  stop(): Promise<{ unsent: number; kept: number }> {
    this.stopping ??= (async () => {
      clearInterval(this.heartbeatTimer);
      // Heartbeats are not waited out for a request timeout when NATS is unreachable.
      await within(this.heartbeating, 3000);
      const left = await Promise.all(this.pipelines.map((p) => p.stop(this.drainTimeoutMs)));
      await within(this.heartbeat(), 3000);
      await this.nc.drain().catch(() => this.nc.close());
      return { unsent: left.reduce((a, b) => a + b.unsent, 0), kept: left.reduce((a, b) => a + b.kept, 0) };
    })();
    return this.stopping;
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.stop();
  }
}

/** Waits for `work` at most `ms` (it goes on in the background). */
async function within(work: Promise<void> | undefined, ms: number): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  await Promise.race([work, new Promise((resolve) => (timer = setTimeout(resolve, ms)))]);
  clearTimeout(timer);
}

function round(n: number): number {
  return Math.round(n * 100) / 100;
}

/** Makes sure the frames stream exists; an agent user not allowed to create it only checks. */
async function prepareStream(jsm: JetStreamManager, rig: RigConfig, logger: Logger): Promise<void> {
  try {
    await ensureFramesStream(jsm, rig.stream);
  } catch (err) {
    logger.warn({ err: describeError(err) }, 'cannot create or update the frames stream with these credentials; using it as it is');
    await jsm.streams.info(streams.frames);
  }
}

/** Connects to NATS, makes the stream and bucket, and starts every camera of the rig. */
export async function startAgent(options: AgentOptions): Promise<CameraAgent> {
  const { rig } = options;
  const logger = options.logger ?? createLogger('camera-agent').child({ rig: rig.id });
  const ffmpeg = requireTool('ffmpeg');
  const servers = options.servers ?? rig.nats.url ?? 'nats://127.0.0.1:4222';
  const nc = await connect({
    servers,
    name: `signflow-camera-agent ${rig.id}`,
    maxReconnectAttempts: -1,
    reconnectTimeWait: 250,
    ...(rig.nats.user ? { user: rig.nats.user, pass: rig.nats.password } : {}),
    ...options.connectOptions,
  });
  try {
    const jsm = await jetstreamManager(nc);
    await prepareStream(jsm, rig, logger);
    const kv = await openCamerasKv(nc);
    const js = jetstream(nc);
    const bundler = new Bundler<number>(rig.cameras.map((c) => c.id), rig.bundle.tolerance, () => undefined);
    const edge = new Map<string, EdgeLandmarks>();
    for (const camera of rig.cameras) {
      if (camera.landmarks.mode === 'off') continue;
      if (edge.size === 0) await ensureLandmarksStream(jsm, rig.stream).catch((err: unknown) => logger.warn({ err: describeError(err) }, 'cannot create the landmarks stream; using it as it is'));
      // One detector per camera: MediaPipe's tracking keeps state between frames of one view.
      edge.set(camera.id, new EdgeLandmarks(rig.id, camera.id, await createDetector('mediapipe'), js, logger));
    }
    const pipelines = rig.cameras.map(
      (camera) =>
        new CameraPipeline(camera, {
          landmarks: edge.get(camera.id),
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
    const agent = new CameraAgent(rig, nc, jsm, kv, pipelines, bundler, logger, options.drainTimeoutMs ?? 10_000);
    agent.start();
    logger.info({ cameras: rig.cameras.length, servers: redactUrlCredentials(servers), ffmpeg: ffmpeg.path }, 'camera agent started');
    return agent;
  } catch (err) {
    await nc.close();
    throw err;
  }
}
