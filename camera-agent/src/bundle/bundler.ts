import { percentile } from '@signflow/core';

/** What the bundler needs of a frame: whose it is and when it was captured (host clock, ns). */
export interface BundleMember<T> {
  camera: string;
  captureNs: bigint;
  item: T;
}

export interface Bundle<T> {
  /** Capture time of the earliest member. */
  captureNs: bigint;
  /** Latest minus earliest capture time in the bundle, ms. */
  skewMs: number;
  members: Map<string, BundleMember<T>>;
}

export interface SkewStats {
  bundles: number;
  /** Frames that found no partner from every other camera within the tolerance. */
  unmatched: number;
  skewMsMean: number;
  skewMsP50: number;
  skewMsP95: number;
  skewMsMax: number;
}

/**
 * Groups frames of all cameras of a rig into multi-view bundles: the oldest waiting frame is
 * matched with each other camera's frame closest in capture time, within `toleranceMs`. A frame
 * that can no longer be matched (another camera has moved past it) is counted and discarded.
 */
export class Bundler<T> {
  private readonly queues = new Map<string, BundleMember<T>[]>();
  private readonly recentSkews: number[] = [];
  private bundles = 0;
  private unmatched = 0;
  private readonly toleranceNs: bigint;

  constructor(
    readonly cameras: readonly string[],
    toleranceMs: number,
    private readonly onBundle: (bundle: Bundle<T>) => void,
    private readonly maxQueue = 256,
  ) {
    this.toleranceNs = BigInt(Math.round(toleranceMs * 1e6));
    for (const camera of cameras) this.queues.set(camera, []);
  }

  add(member: BundleMember<T>): void {
    const queue = this.queues.get(member.camera);
    if (!queue) return;
    queue.push(member);
    if (queue.length > this.maxQueue) {
      queue.shift();
      this.unmatched++;
    }
    this.match();
  }

  private match(): void {
    for (;;) {
      let oldest: BundleMember<T> | undefined;
      for (const queue of this.queues.values()) {
        const head = queue[0];
        if (!head) return; // some camera has nothing yet: wait
        if (!oldest || head.captureNs < oldest.captureNs) oldest = head;
      }
      if (!oldest) return;
      const members = new Map<string, BundleMember<T>>();
      let complete = true;
      let undecided = false;
      for (const [camera, queue] of this.queues) {
        const best = closest(queue, oldest.captureNs);
        const distance = best ? abs(best.captureNs - oldest.captureNs) : undefined;
        if (best && distance !== undefined && distance <= this.toleranceNs) {
          members.set(camera, best);
          continue;
        }
        complete = false;
        const newest = queue.at(-1);
        if (!newest || newest.captureNs <= oldest.captureNs + this.toleranceNs) undecided = true;
      }
      if (!complete) {
        if (undecided) return; // a partner may still arrive
        this.dropHead(oldest.camera);
        continue;
      }
      this.emit(members);
    }
  }

  private emit(members: Map<string, BundleMember<T>>): void {
    let min: bigint | undefined;
    let max: bigint | undefined;
    for (const [camera, member] of members) {
      const queue = this.queues.get(camera) ?? [];
      const index = queue.indexOf(member);
      this.unmatched += index; // older frames of this camera that no bundle will take
      queue.splice(0, index + 1);
      if (min === undefined || member.captureNs < min) min = member.captureNs;
      if (max === undefined || member.captureNs > max) max = member.captureNs;
    }
    const skewMs = Number((max ?? 0n) - (min ?? 0n)) / 1e6;
    this.bundles++;
    this.recentSkews.push(skewMs);
    if (this.recentSkews.length > 1000) this.recentSkews.shift();
    this.onBundle({ captureNs: min ?? 0n, skewMs, members });
  }

  private dropHead(camera: string): void {
    this.queues.get(camera)?.shift();
    this.unmatched++;
  }

  stats(): SkewStats {
    const skews = this.recentSkews;
    const mean = skews.length ? skews.reduce((a, b) => a + b, 0) / skews.length : 0;
    return {
      bundles: this.bundles,
      unmatched: this.unmatched,
      skewMsMean: round(mean),
      skewMsP50: round(skews.length ? percentile(skews, 50) : 0),
      skewMsP95: round(skews.length ? percentile(skews, 95) : 0),
      skewMsMax: round(skews.length ? Math.max(...skews) : 0),
    };
  }
}

function abs(n: bigint): bigint {
  return n < 0n ? -n : n;
}

function closest<T>(queue: readonly BundleMember<T>[], at: bigint): BundleMember<T> | undefined {
  let best: BundleMember<T> | undefined;
  for (const member of queue) {
    if (!best || abs(member.captureNs - at) < abs(best.captureNs - at)) best = member;
    else if (member.captureNs > at) break;
  }
  return best;
}

function round(n: number): number {
  return Math.round(n * 1000) / 1000;
}
