import { Kvm, type KV } from '@nats-io/kv';
import type { JetStreamManager } from '@nats-io/jetstream';
import type { NatsConnection } from '@nats-io/transport-node';
import { kvBuckets, streams } from '@signflow/core';
import { captureNow, nsToMs } from '../clock.js';

/**
 * Opens the camera heartbeat bucket, creating it (one value per key, kept a day) when this
 * agent may; a restricted agent user only opens the one the stack made.
 */
export async function openCamerasKv(nc: NatsConnection): Promise<KV> {
  const kvm = new Kvm(nc);
  try {
    const kv = await kvm.open(kvBuckets.cameras);
    await kv.status(); // open() is lazy: this fails when the bucket does not exist
    return kv;
  } catch {
    return kvm.create(kvBuckets.cameras, { history: 1, ttl: 24 * 3_600_000 });
  }
}

export interface ClockOffset {
  /** NATS server clock minus this host's clock, ms. */
  offsetMs: number;
  /** Half the round trip: the offset is known to within this. */
  uncertaintyMs: number;
}

/** ISO time with up to ns digits → ms since the epoch, keeping the sub-ms part. */
export function isoToMs(iso: string): number {
  const match = /^(.*T\d\d:\d\d:\d\d)(\.\d+)?(Z|[+-]\d\d:\d\d)$/.exec(iso);
  if (!match) return Date.parse(iso);
  const whole = Date.parse(`${match[1] ?? ''}${match[3] ?? 'Z'}`);
  return whole + Number(`0${match[2] ?? ''}`) * 1000;
}

/**
 * Asks the server for the frames stream's info, which it stamps with its own clock (`ts`):
 * server time − midpoint of our request estimates the offset between the clocks (NTP-style).
 */
export async function measureClockOffset(jsm: JetStreamManager): Promise<ClockOffset | undefined> {
  const before = captureNow();
  const info = await jsm.streams.info(streams.frames);
  const after = captureNow();
  if (!info.ts) return undefined;
  const midpointMs = nsToMs((before.wallNs + after.wallNs) / 2n);
  const rttMs = nsToMs(after.monoNs - before.monoNs);
  return { offsetMs: isoToMs(info.ts) - midpointMs, uncertaintyMs: rttMs / 2 };
}
