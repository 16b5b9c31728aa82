import { connect, type ConnectionOptions, type NatsConnection } from '@nats-io/transport-node';
import { subjects } from '@signflow/core';
import { PacketTally } from './packet-tally.js';
import { FUSED_LAYOUT } from '../fusion/fuse.js';
import type { DatasetStore } from '../store/store.js';
import type { WrittenVersion } from '../store/writer.js';
import type { LabelSegment } from './labels.js';
import { watchCameraQuality } from './camera-quality.js';
import type { RigInfo } from './rig.js';
import { segmentPackets, type TimedPacket } from './segmenter.js';

export interface RecordOptions {
  store: DatasetStore;
  name: string;
  rig: RigInfo;
  segments: LabelSegment[];
  natsUrl: string;
  /** Credentials and other connect options (e.g. `natsClientOptions(config)` without `servers`). */
  connectOptions?: Partial<ConnectionOptions>;
  /** Capture time (ns) that relative label times count from; default the first packet's. */
  originNs?: bigint;
  /** Signer id for segments whose label row has none. */
  signer?: string | null;
  /** Stop waiting after this long even if the last segment has not ended (default 10 min). */
  timeoutMs?: number;
  signal?: AbortSignal;
  /** Called once the subscription is live (tests publish after it). */
  onReady?: () => void;
  onPacket?: (received: number, kept: number) => void;
}

export interface RecordResult extends WrittenVersion {
  packets: number;
  invalidPackets: number;
}

/**
 * Records a rig's landmark packets (`signflow.landmarks.<rig>.*` on NATS) and cuts them into
 * the label file's segments. Frames are flagged lowLight/blur from the cameras' heartbeat
 * quality signals (KV `signflow_cameras`) current when they arrived, and handsOut/noLandmarks
 * from the landmarks. Stops when a packet past the last segment's end arrives, on
 * timeout, or on abort; then writes one dataset version (segments without frames are counted
 * as skipped). Packets that fail the schema are counted, never used.
 */
export async function recordFromNats(options: RecordOptions): Promise<RecordResult> {
  const nc: NatsConnection = await connect({ servers: options.natsUrl, name: `signflow-dataset-record-${options.rig.id}`, ...options.connectOptions });
  const kept: TimedPacket[] = [];
  const tally = new PacketTally();
  let origin = options.originNs;
  const quality = await watchCameraQuality(nc, options.rig.id, options.rig.cameraIds);
  const sub = nc.subscribe(subjects.landmarksOfRig(options.rig.id));
  const timer = setTimeout(() => sub.unsubscribe(), options.timeoutMs ?? 600_000);
  const onAbort = () => sub.unsubscribe();
  options.signal?.addEventListener('abort', onAbort);
  try {
    await nc.flush();
    options.onReady?.();
    const lastEnd = (o: bigint) => options.segments.reduce((m, s) => (s.relative ? o + s.end : s.end) > m ? (s.relative ? o + s.end : s.end) : m, 0n);
    for await (const msg of sub) {
      const packet = tally.parse(msg);
      if (!packet) continue;
      const t = BigInt(packet.captureTimeNs);
      const o = (origin ??= t);
      if (t >= lastEnd(o)) break;
      const inside = options.segments.some((s) => t >= (s.relative ? o + s.start : s.start) && t < (s.relative ? o + s.end : s.end));
      const measure = quality.current.get(packet.camera);
      if (inside) kept.push({ t, packet, ...(measure ? { measure } : {}) });
      options.onPacket?.(tally.received, kept.length);
    }
  } finally {
    clearTimeout(timer);
    options.signal?.removeEventListener('abort', onAbort);
    sub.unsubscribe();
    quality.stop();
    await nc.close();
  }
  return writeRecording({
    store: options.store,
    name: options.name,
    rig: options.rig,
    packets: kept,
    segments: options.segments,
    origin: origin ?? 0n,
    signer: options.signer ?? null,
    received: tally.received,
    invalidItems: tally.invalidItems,
    invalid: tally.invalid,
    step: { segments: options.segments.length, origin: origin?.toString() ?? null },
  });
}

export interface RecordingToWrite {
  store: DatasetStore;
  name: string;
  rig: RigInfo;
  packets: TimedPacket[];
  segments: LabelSegment[];
  origin: bigint;
  signer: string | null;
  received: number;
  invalid: number;
  /** Subjects of the first invalid packets (listed as skipped items). */
  invalidItems: string[];
  /** What the provenance step records about how segments were cut. */
  step: Record<string, unknown>;
  /** A sample's `source` (default: `segment line <n>`). */
  describe?: (segment: LabelSegment) => string;
}

/** Cuts recorded packets into the segments and writes them as one dataset version. */
export async function writeRecording(r: RecordingToWrite): Promise<RecordResult> {
  const result = segmentPackets(r.packets, r.segments, r.origin, {
    cameras: r.rig.cameras,
    idPrefix: 'seg',
    signer: r.signer,
    ...(r.describe ? { describe: r.describe } : {}),
  });
  const writer = r.store.createWriter({
    name: r.name,
    layout: FUSED_LAYOUT,
    coordinates: result.coordinates,
    sources: [{ kind: 'record', location: `nats:${subjects.landmarksOfRig(r.rig.id)}`, files: r.received }],
    steps: [{ op: 'record', params: { rig: r.rig.id, cameras: r.rig.cameraIds, ...r.step } }],
  });
  try {
    for (const s of result.skipped) writer.skip(s.item, s.reason, s.detail);
    for (const item of r.invalidItems) writer.skip(item, 'invalid-packet');
    for (let i = r.invalidItems.length; i < r.invalid; i++) writer.skip('(packet)', 'invalid-packet');
    for (const s of result.samples) await writer.add(s);
    return { ...(await writer.commit()), packets: r.received, invalidPackets: r.invalid };
  } catch (err) {
    await writer.abort();
    throw err;
  }
}
