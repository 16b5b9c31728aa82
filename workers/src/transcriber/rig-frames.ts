import type { LandmarkPacket } from '@signflow/core';
import { fusePackets, type CameraModel } from '@signflow/datasets';
import { handsRaised } from './activity.js';
import { viewFrame, type LiveFrame, type ReferenceView } from './live-frame.js';

/** One instant of the rig, ready for segmentation and recognition. */
export interface RigFrame {
  frame: LiveFrame;
  /** Capture time of the instant (its earliest view), ns string. */
  captureTimeNs: string;
  /** Lowest stream sequence among its packets: the segment id of a sign starting here. */
  streamSeq: number;
  /** A hand is raised in one of its views. */
  active: boolean;
  cameras: string[];
}

export interface RigFramesOptions {
  /** Calibrated cameras of the rig (the rig file); with two or more, views are fused. */
  cameras?: ReadonlyMap<string, CameraModel>;
  /** Camera read alone in single-view mode and the reference view of fused frames (default: first calibrated / first heard from). */
  reference?: string;
  /** Packets of different cameras within this many ms form one instant (default 20). */
  toleranceMs?: number;
  /** A camera silent for this long (capture time) is no longer waited for (default 500 ms). */
  activeWindowMs?: number;
}

interface Member {
  packet: LandmarkPacket;
  streamSeq: number;
}

interface Pending {
  timeNs: bigint;
  members: Map<string, Member>;
}

/**
 * Turns a rig's landmark packets (all cameras, each camera in capture order) into one frame
 * sequence. With fewer than two calibrated cameras it reads one camera (the reference, else
 * the first heard from). Otherwise packets within `toleranceMs` of each other form an instant,
 * emitted as soon as every camera heard from lately (or calibrated and not yet silent for
 * `activeWindowMs`) is in it, or when a later packet shows it is over; an instant with two or more calibrated views is triangulated (datasets'
 * fusePackets: weighted DLT with outlier rejection), one with fewer falls back to a single view
 * (the reference camera's when it is there). Deterministic for a given packet order, so a
 * replay after a restart forms the same instants.
 */
export class RigFrames {
  private readonly cameras: ReadonlyMap<string, CameraModel>;
  private readonly fuse: boolean;
  private reference: string | undefined;
  private readonly toleranceNs: bigint;
  private readonly activeWindowNs: bigint;
  private readonly lastSeen = new Map<string, bigint>();
  private readonly sizes = new Map<string, { width: number; height: number }>();
  private pending: Pending | undefined;
  /** Instants triangulated from ≥ 2 views, and instants that fell back to one view. */
  readonly counts = { fused: 0, singleView: 0 };

  constructor(options: RigFramesOptions = {}) {
    this.cameras = options.cameras ?? new Map();
    this.fuse = this.cameras.size >= 2;
    this.reference = options.reference ?? (this.fuse ? [...this.cameras.keys()][0] : undefined);
    this.toleranceNs = BigInt(Math.round((options.toleranceMs ?? 20) * 1e6));
    this.activeWindowNs = BigInt(Math.round((options.activeWindowMs ?? 500) * 1e6));
  }

  /** Multi-view mode (two or more calibrated cameras). */
  get fusing(): boolean {
    return this.fuse;
  }

  /** The camera read alone, or whose image fused frames are re-projected into. */
  get referenceCamera(): string | undefined {
    return this.reference;
  }

  /** True while packets wait for the rest of their instant (they must not be acknowledged yet). */
  get holding(): boolean {
    return this.pending !== undefined;
  }

  /** Feeds one packet (already checked to be in order for its camera); returns the instants it completes. */
  push(packet: LandmarkPacket, streamSeq: number): RigFrame[] {
    this.sizes.set(packet.camera, { width: packet.width, height: packet.height });
    if (!this.fuse) {
      this.reference ??= packet.camera;
      if (packet.camera !== this.reference) return [];
      this.counts.singleView++;
      return [{ frame: viewFrame(packet), captureTimeNs: packet.captureTimeNs, streamSeq, active: handsRaised(packet), cameras: [packet.camera] }];
    }
    const t = BigInt(packet.captureTimeNs);
    // Calibrated cameras are expected from the first packet on, until they stay silent for the active window.
    if (this.lastSeen.size === 0) for (const camera of this.cameras.keys()) this.lastSeen.set(camera, t);
    this.lastSeen.set(packet.camera, t);
    const out: RigFrame[] = [];
    const open = this.pending;
    if (open && (t - open.timeNs > this.toleranceNs || open.members.has(packet.camera))) {
      out.push(this.emit(open));
      this.pending = undefined;
    }
    const pending = (this.pending ??= { timeNs: t, members: new Map() });
    pending.members.set(packet.camera, { packet, streamSeq });
    if (this.complete(pending)) {
      out.push(this.emit(pending));
      this.pending = undefined;
    }
    return out;
  }

  /** Emits the instant still waiting for views (end of input). */
  flush(): RigFrame[] {
    const open = this.pending;
    this.pending = undefined;
    return open ? [this.emit(open)] : [];
  }

  private complete(pending: Pending): boolean {
    for (const [camera, seen] of this.lastSeen) {
      if (pending.members.has(camera)) continue;
      if (seen >= pending.timeNs - this.activeWindowNs) return false;
    }
    return true;
  }

  private referenceView(): ReferenceView | undefined {
    const id = this.reference;
    const camera = id === undefined ? undefined : this.cameras.get(id);
    const size = id === undefined ? undefined : this.sizes.get(id);
    if (camera && size) return { camera, ...size };
    for (const [other, model] of this.cameras) {
      const s = this.sizes.get(other);
      if (s) return { camera: model, ...s };
    }
    return undefined;
  }

  private emit(pending: Pending): RigFrame {
    const members = [...pending.members.values()];
    const packets = members.map((m) => m.packet);
    const streamSeq = Math.min(...members.map((m) => m.streamSeq));
    const active = packets.some(handsRaised);
    const calibrated = packets.filter((p) => this.cameras.has(p.camera));
    const captureTimeNs = pending.timeNs.toString();
    if (calibrated.length >= 2) {
      const { data } = fusePackets(calibrated, this.cameras);
      this.counts.fused++;
      const cameras = calibrated.map((p) => p.camera).sort();
      return { frame: { kind: 'fused', cameras, data, reference: this.referenceView() }, captureTimeNs, streamSeq, active, cameras };
    }
    const chosen = packets.find((p) => p.camera === this.reference) ?? calibrated[0] ?? packets[0];
    this.counts.singleView++;
    if (!chosen) throw new RangeError('an instant without packets');
    return { frame: viewFrame(chosen), captureTimeNs: chosen.captureTimeNs, streamSeq, active, cameras: [chosen.camera] };
  }
}
