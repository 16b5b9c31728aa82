import type { NatsConnection, Subscription } from '@nats-io/nats-core';
import {
  captionLatencyMs,
  captionSchema,
  landmarkPacketSchema,
  percentile,
  readFrameHeaders,
  subjects,
  type Caption,
  type LandmarkPacket,
  type Logger,
} from '@signflow/core';
import { collapseSegments, recentCaptions } from './recent.js';

/** What the live feed page receives (Server-Sent Events, one JSON object per event). */
export type FeedEvent =
  | { type: 'hello'; rig: string; captions: FeedCaption[]; cameras: string[]; model: Caption['model'] | null }
  | { type: 'caption'; caption: FeedCaption }
  | { type: 'thumb'; camera: string; width: number; height: number; captureMs: number; jpeg: string }
  | { type: 'landmarks'; camera: string; packet: Pick<LandmarkPacket, 'width' | 'height' | 'hands' | 'pose' | 'captureTimeNs'>; /** The JPEG of the same frame, when the camera sends frames. */ jpeg?: string }
  | { type: 'status'; cameras: string[]; model: Caption['model'] | null; latency: { p50: number | null; p95: number | null; samples: number } };

/** A caption as the feed hands it on: with when this server got it and the latency that makes. */
export type FeedCaption = Caption & { receivedAtMs: number; latencyMs: number };

export interface FeedClient {
  /** Camera whose landmarks this client overlays (none: no landmark events). */
  camera: string | undefined;
  send(event: FeedEvent): void;
}

export interface HubOptions {
  /** Thumbnails per second per camera (default 2). */
  thumbsPerSecond?: number;
  /** Landmark overlays per second (default 15). */
  landmarksPerSecond?: number;
  now?: () => number;
}

const LATENCY_WINDOW = 100;
/** JPEGs kept per camera to pair with late landmark packets (~4 s at 15 fps). */
const RECENT_FRAMES = 60;

/**
 * One rig's live state, shared by every page watching it: one NATS subscription each for its
 * captions, frames and landmarks, fanned out to the clients with per-camera throttling.
 */
export class RigHub {
  private readonly clients = new Set<FeedClient>();
  private readonly subs: Subscription[] = [];
  private readonly cameras = new Set<string>();
  private readonly lastThumb = new Map<string, number>();
  private readonly lastLandmarks = new Map<string, number>();
  private readonly latencies: number[] = [];
  /** Latest thumbnail and landmark events per camera, for a page that connects in between. */
  private readonly latestThumb = new Map<string, FeedEvent>();
  private readonly latestLandmarks = new Map<string, FeedEvent>();
  /** Recent JPEGs per camera by frame seq, so an overlay is drawn on the very frame it was found in. */
  private readonly recentFrames = new Map<string, Map<number, Uint8Array>>();
  private history: FeedCaption[] = [];
  private model: Caption['model'] | null = null;
  private readonly timer: NodeJS.Timeout;
  private readonly now: () => number;
  private ready: Promise<void> | undefined;

  constructor(
    private readonly nc: NatsConnection,
    readonly rig: string,
    private readonly logger: Logger,
    private readonly options: HubOptions = {},
  ) {
    this.now = options.now ?? Date.now;
    this.timer = setInterval(() => this.broadcast(this.status()), 1000);
    this.timer.unref();
  }

  /** Subscribes (once) and loads the captions the stream kept. */
  start(): Promise<void> {
    this.ready ??= (async () => {
      this.subs.push(this.nc.subscribe(subjects.captions(this.rig), { callback: (err, msg) => {
          if (!err) this.onCaption(safeJson(msg.data));
        } }));
      this.subs.push(this.nc.subscribe(subjects.framesOfRig(this.rig), { callback: (err, msg) => {
          if (!err) this.onFrame(msg.headers, msg.data);
        } }));
      this.subs.push(this.nc.subscribe(subjects.landmarksOfRig(this.rig), { callback: (err, msg) => {
          if (!err) this.onLandmarks(safeJson(msg.data));
        } }));
      await this.nc.flush();
      const kept = await recentCaptions(this.nc, this.rig).catch((err: unknown) => {
        this.logger.warn({ err: String(err) }, 'could not read kept captions');
        return [];
      });
      const known = new Set(this.history.map((c) => `${c.segment}/${c.kind}/${c.frames}`));
      const older = kept.filter((c) => !known.has(`${c.segment}/${c.kind}/${c.frames}`)).map((c) => withLatency(c, c.emittedAtMs));
      this.history = collapseSegments([...older, ...this.history]);
      const last = this.history.at(-1);
      if (last && !this.model) this.model = last.model;
    })();
    return this.ready;
  }

  add(client: FeedClient): void {
    this.clients.add(client);
    client.send({ type: 'hello', rig: this.rig, captions: this.history.slice(-30), cameras: [...this.cameras].sort(), model: this.model });
    client.send(this.status());
    for (const event of this.latestThumb.values()) client.send(event);
    const landmarks = client.camera === undefined ? undefined : this.latestLandmarks.get(client.camera);
    if (landmarks) client.send(landmarks);
  }

  remove(client: FeedClient): void {
    this.clients.delete(client);
  }

  get size(): number {
    return this.clients.size;
  }

  close(): void {
    clearInterval(this.timer);
    for (const sub of this.subs) sub.unsubscribe();
    this.clients.clear();
  }

  status(): Extract<FeedEvent, { type: 'status' }> {
    const samples = this.latencies.length;
    return {
      type: 'status',
      cameras: [...this.cameras].sort(),
      model: this.model,
      latency: { p50: samples ? percentile(this.latencies, 50) : null, p95: samples ? percentile(this.latencies, 95) : null, samples },
    };
  }

  private onCaption(raw: unknown): void {
    const parsed = captionSchema.safeParse(raw);
    if (!parsed.success) {
      this.logger.debug({ rig: this.rig }, 'malformed caption ignored');
      return;
    }
    const caption = withLatency(parsed.data, this.now());
    this.model = caption.model;
    if (caption.kind === 'final') {
      this.latencies.push(caption.latencyMs);
      if (this.latencies.length > LATENCY_WINDOW) this.latencies.shift();
    }
    this.history = collapseSegments([...this.history, caption]).slice(-100);
    this.broadcast({ type: 'caption', caption });
  }

  private onFrame(headers: Parameters<typeof readFrameHeaders>[0], data: Uint8Array): void {
    let frame;
    try {
      frame = readFrameHeaders(headers);
    } catch {
      return;
    }
    this.cameras.add(frame.camera);
    let ring = this.recentFrames.get(frame.camera);
    if (!ring) {
      ring = new Map();
      this.recentFrames.set(frame.camera, ring);
    }
    ring.set(frame.seq, data);
    if (ring.size > RECENT_FRAMES) {
      const oldest = ring.keys().next();
      if (!oldest.done) ring.delete(oldest.value);
    }
    const now = this.now();
    const every = 1000 / (this.options.thumbsPerSecond ?? 2);
    if (now - (this.lastThumb.get(frame.camera) ?? 0) < every) return;
    this.lastThumb.set(frame.camera, now);
    const event: FeedEvent = {
      type: 'thumb',
      camera: frame.camera,
      width: frame.width,
      height: frame.height,
      captureMs: Number(frame.captureWallNs / 1_000_000n),
      jpeg: Buffer.from(data).toString('base64'),
    };
    this.latestThumb.set(frame.camera, event);
    this.broadcast(event);
  }

  private onLandmarks(raw: unknown): void {
    const parsed = landmarkPacketSchema.safeParse(raw);
    if (!parsed.success) return;
    const packet = parsed.data;
    this.cameras.add(packet.camera);
    const now = this.now();
    const every = 1000 / (this.options.landmarksPerSecond ?? 10);
    if (now - (this.lastLandmarks.get(packet.camera) ?? 0) < every) return;
    this.lastLandmarks.set(packet.camera, now);
    const event: Extract<FeedEvent, { type: 'landmarks' }> = {
      type: 'landmarks',
      camera: packet.camera,
      packet: { width: packet.width, height: packet.height, hands: packet.hands, pose: packet.pose, captureTimeNs: packet.captureTimeNs },
    };
    const jpegOfFrame = this.recentFrames.get(packet.camera)?.get(packet.seq);
    if (jpegOfFrame) event.jpeg = Buffer.from(jpegOfFrame).toString('base64');
    this.latestLandmarks.set(packet.camera, event);
    for (const client of this.clients) if (client.camera === packet.camera) client.send(event);
  }

  private broadcast(event: FeedEvent): void {
    for (const client of this.clients) client.send(event);
  }
}

function withLatency(caption: Caption, receivedAtMs: number): FeedCaption {
  return { ...caption, receivedAtMs, latencyMs: Math.round(captionLatencyMs(caption, receivedAtMs) * 10) / 10 };
}

function safeJson(data: Uint8Array): unknown {
  try {
    return JSON.parse(new TextDecoder().decode(data));
  } catch {
    return undefined;
  }
}
