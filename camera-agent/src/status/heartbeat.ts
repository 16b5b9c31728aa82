import { Kvm, type KV } from '@nats-io/kv';
import type { NatsConnection } from '@nats-io/transport-node';
import { kvBuckets } from '@signflow/core';

/** Opens (creating if needed) the camera heartbeat bucket: one value per key, kept a day. */
export async function openCamerasKv(nc: NatsConnection): Promise<KV> {
  const kvm = new Kvm(nc);
  return kvm.create(kvBuckets.cameras, { history: 1, ttl: 24 * 3_600_000 });
}

export interface ClockOffset {
  /** NATS server clock minus this host's clock, ms. */
  offsetMs: number;
  /** Half the round trip plus the server timestamp's ms resolution. */
  uncertaintyMs: number;
}

/**
 * Writes `value` under `key` and reads it back: the server stamps the stored entry with its own
 * clock, so (server time − midpoint of our put) estimates the offset between the clocks.
 */
export async function putAndMeasureOffset(kv: KV, key: string, value: string): Promise<ClockOffset | undefined> {
  const before = Date.now();
  const revision = await kv.put(key, value);
  const after = Date.now();
  const entry = await kv.get(key, { revision });
  if (!entry) return undefined;
  const serverMs = entry.created.getTime();
  return { offsetMs: serverMs - (before + after) / 2, uncertaintyMs: (after - before) / 2 + 1 };
}
