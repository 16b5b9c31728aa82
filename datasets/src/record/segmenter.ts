import type { LandmarkPacket } from '@signflow/core';
import { FUSED_LAYOUT, FUSED_POINTS, fusePackets, fusedToBodyFrame } from '../fusion/fuse.js';
import type { CameraModel } from '../fusion/camera.js';
import type { Coordinates } from '../format/manifest.js';
import type { SampleInput } from '../format/sample.js';
import { qualityFlags, type FrameMeasure } from '../preprocess/quality.js';
import type { LabelSegment } from './labels.js';

/** A packet with its capture time parsed. */
export interface TimedPacket {
  t: bigint;
  packet: LandmarkPacket;
  /** The camera's image-quality measure when the packet arrived, if known. */
  measure?: FrameMeasure;
}

/** One camera's packet → a FUSED_LAYOUT frame in pixels (pose x, y, z, visibility; hands with visibility = score). */
export function packetToFrame(packet: LandmarkPacket, out: Float32Array, at: number): void {
  if (packet.pose) {
    const l = packet.pose.landmarks;
    for (let i = 0; i < 33; i++) {
      const o = at + i * 4;
      const vis = Math.min(1, Math.max(0, (l[i * 4 + 3] ?? 0) * packet.pose.score));
      if (vis <= 0) continue;
      out.set([l[i * 4] ?? 0, l[i * 4 + 1] ?? 0, l[i * 4 + 2] ?? 0, vis], o);
    }
  }
  for (const side of ['left', 'right'] as const) {
    const hand = packet.hands.filter((h) => h.handedness === side).sort((a, b) => b.score - a.score)[0];
    if (!hand || hand.score <= 0) continue;
    const base = 33 + (side === 'left' ? 0 : 21);
    for (let i = 0; i < 21; i++) out.set([hand.landmarks[i * 3] ?? 0, hand.landmarks[i * 3 + 1] ?? 0, hand.landmarks[i * 3 + 2] ?? 0, Math.min(1, hand.score)], at + (base + i) * 4);
  }
}

export interface SegmentOptions {
  /** Calibrated cameras: with two or more, views are triangulated into one fused sample in the body frame. */
  cameras: ReadonlyMap<string, CameraModel>;
  /** Packets of different cameras within this many ns form one instant (default 20 ms). */
  toleranceNs?: bigint;
  /** Sample id prefix (e.g. the session). */
  idPrefix: string;
  signer: string | null;
  /** A sample's `source` (default: `segment line <n>`, the label file's line). */
  describe?: (segment: LabelSegment) => string;
}

export interface SegmentResult {
  samples: SampleInput[];
  coordinates: Coordinates;
  skipped: { item: string; reason: string; detail?: string }[];
}

/**
 * Cuts recorded packets into labelled samples. With ≥ 2 calibrated cameras in the packets,
 * each instant's views are fused (coordinates `body`); otherwise each camera gives its own
 * sample in pixels (`<segment>@<camera>`). Frames are flagged `handsOut`/`noLandmarks`.
 */
export function segmentPackets(packets: readonly TimedPacket[], segments: readonly LabelSegment[], origin: bigint, options: SegmentOptions): SegmentResult {
  const byCamera = new Map<string, TimedPacket[]>();
  for (const p of packets) {
    const list = byCamera.get(p.packet.camera) ?? [];
    list.push(p);
    byCamera.set(p.packet.camera, list);
  }
  for (const list of byCamera.values()) list.sort((a, b) => (a.t < b.t ? -1 : a.t > b.t ? 1 : a.packet.seq - b.packet.seq));
  const calibrated = [...byCamera.keys()].filter((c) => options.cameras.has(c)).sort();
  const fuse = calibrated.length >= 2;
  const first = packets[0]?.packet;
  const coordinates: Coordinates = fuse ? { space: 'body' } : { space: 'pixels', ...(first ? { width: first.width, height: first.height } : {}) };
  const samples: SampleInput[] = [];
  const skipped: SegmentResult['skipped'] = [];
  for (const seg of segments) {
    const start = seg.relative ? origin + seg.start : seg.start;
    const end = seg.relative ? origin + seg.end : seg.end;
    const id = `${options.idPrefix}${seg.line}-${seg.gloss}`;
    const inSeg = (p: TimedPacket) => p.t >= start && p.t < end;
    if (fuse) {
      const sample = fusedSample(calibrated.map((c) => (byCamera.get(c) ?? []).filter(inSeg)), options, id, seg);
      if ('skip' in sample) skipped.push(sample.skip);
      else samples.push(sample.sample);
      continue;
    }
    for (const [camera, list] of [...byCamera].sort(([a], [b]) => (a < b ? -1 : 1))) {
      const frames = list.filter(inSeg);
      const item = byCamera.size > 1 ? `${id}@${camera}` : id;
      if (frames.length < 2) {
        skipped.push({ item, reason: 'too-few-frames', detail: `${frames.length} frame(s) of camera ${camera} between the label's start and end` });
        continue;
      }
      const data = new Float32Array(frames.length * FUSED_POINTS * 4);
      frames.forEach((p, i) => packetToFrame(p.packet, data, i * FUSED_POINTS * 4));
      const flags = qualityFlags({ data, flags: new Uint8Array(frames.length), frames: frames.length }, FUSED_LAYOUT, coordinates, frames.map((p) => p.measure));
      if (flags.every((f) => f & 8)) {
        skipped.push({ item, reason: 'no-landmarks' });
        continue;
      }
      samples.push({ id: item, gloss: seg.gloss, signer: seg.signer ?? options.signer, source: options.describe?.(seg) ?? `segment line ${seg.line}`, fps: fpsOf(frames), cameras: [camera], data, flags });
    }
  }
  return { samples, coordinates, skipped };
}

function fusedSample(
  perCamera: TimedPacket[][],
  options: SegmentOptions,
  id: string,
  seg: LabelSegment,
): { sample: SampleInput } | { skip: { item: string; reason: string; detail?: string } } {
  const tolerance = options.toleranceNs ?? 20_000_000n;
  const anchor = [...perCamera].sort((a, b) => b.length - a.length)[0] ?? [];
  const frames: Float32Array[] = [];
  const measures: (FrameMeasure | undefined)[] = [];
  const cams = new Set<string>();
  for (const a of anchor) {
    const instant = perCamera.map((list) => nearestWithin(list, a.t, tolerance)).filter((p): p is TimedPacket => p !== undefined);
    const { data } = fusePackets(instant.map((p) => p.packet), options.cameras);
    instant.forEach((p) => cams.add(p.packet.camera));
    frames.push(data);
    measures.push(worstMeasure(instant));
  }
  if (frames.length < 2) return { skip: { item: id, reason: 'too-few-frames', detail: `${frames.length} fused frame(s) in the segment` } };
  const data = new Float32Array(frames.length * FUSED_POINTS * 4);
  frames.forEach((f, i) => data.set(f, i * FUSED_POINTS * 4));
  if (!fusedToBodyFrame(data)) return { skip: { item: id, reason: 'no-shoulders', detail: 'no fused frame has both shoulders: cannot build the body frame' } };
  const flags = qualityFlags({ data, flags: new Uint8Array(frames.length), frames: frames.length }, FUSED_LAYOUT, { space: 'body' }, measures);
  return { sample: { id, gloss: seg.gloss, signer: seg.signer ?? options.signer, source: options.describe?.(seg) ?? `segment line ${seg.line}`, fps: fpsOf(anchor), cameras: [...cams].sort(), data, flags } };
}

/** A fused frame is as dark and as blurred as its worst view. */
function worstMeasure(instant: readonly TimedPacket[]): FrameMeasure | undefined {
  const ms = instant.map((p) => p.measure).filter((m): m is FrameMeasure => m !== undefined);
  if (ms.length === 0) return undefined;
  const min = (xs: (number | undefined)[]) => {
    const v = xs.filter((x): x is number => x !== undefined);
    return v.length ? Math.min(...v) : undefined;
  };
  const brightness = min(ms.map((m) => m.brightness));
  const sharpness = min(ms.map((m) => m.sharpness));
  return { ...(brightness !== undefined ? { brightness } : {}), ...(sharpness !== undefined ? { sharpness } : {}) };
}

function nearestWithin(list: readonly TimedPacket[], t: bigint, tolerance: bigint): TimedPacket | undefined {
  let best: TimedPacket | undefined;
  let bestD = tolerance + 1n;
  for (const p of list) {
    const d = p.t > t ? p.t - t : t - p.t;
    if (d < bestD) {
      best = p;
      bestD = d;
    }
  }
  return best;
}

function fpsOf(frames: readonly TimedPacket[]): number {
  const first = frames[0];
  const last = frames.at(-1);
  if (!first || !last || frames.length < 2 || last.t === first.t) return 30;
  const seconds = Number(last.t - first.t) / 1e9;
  return Math.round(((frames.length - 1) / seconds) * 100) / 100;
}
