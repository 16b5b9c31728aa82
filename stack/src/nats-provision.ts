import { JetStreamApiError, StorageType, jetstreamManager, type StreamConfig } from '@nats-io/jetstream';
import { Kvm } from '@nats-io/kv';
import type { NatsConnection } from '@nats-io/transport-node';
import { kvBuckets, streams, subjects } from '@signflow/core';

const NS_PER_MS = 1_000_000;

/**
 * The streams the live path needs, made by the stack as its service user: restricted users
 * (cameras, viewers) may use them but not create them. Limits match what the extraction and
 * transcriber services would create themselves (workers' `liveStreamConfigs`); a camera agent
 * with wider rights still brings the frames stream to its rig file's limits.
 */
export const provisionedStreams: (Partial<StreamConfig> & { name: string })[] = [
  { name: streams.frames, subjects: [subjects.allFrames], storage: StorageType.File, max_age: 10 * 60_000 * NS_PER_MS, max_bytes: 2 * 1024 ** 3, duplicate_window: 2 * 60_000 * NS_PER_MS },
  { name: streams.landmarks, subjects: [subjects.allLandmarks], storage: StorageType.File, max_age: 60 * 60_000 * NS_PER_MS, duplicate_window: 2 * 60_000 * NS_PER_MS },
  { name: streams.captions, subjects: [subjects.allCaptions], storage: StorageType.File, max_age: 7 * 24 * 60 * 60_000 * NS_PER_MS, duplicate_window: 10 * 60_000 * NS_PER_MS },
];

function isNotFound(err: unknown): boolean {
  return err instanceof JetStreamApiError ? err.status === 404 : err instanceof Error && /not found/i.test(err.message);
}

/**
 * Creates the frames, landmarks and captions streams and the camera heartbeat bucket when they
 * are missing; leaves existing ones (and their limits) alone. Returns the names it created.
 */
export async function provisionNats(nc: NatsConnection): Promise<string[]> {
  const jsm = await jetstreamManager(nc);
  const created: string[] = [];
  for (const config of provisionedStreams) {
    try {
      await jsm.streams.info(config.name);
      continue;
    } catch (err) {
      if (!isNotFound(err)) throw err;
    }
    try {
      await jsm.streams.add(config);
      created.push(config.name);
    } catch (err) {
      if (!(err instanceof JetStreamApiError) || !/already in use|exists/i.test(err.message)) throw err;
    }
  }
  const kvm = new Kvm(nc);
  try {
    const kv = await kvm.open(kvBuckets.cameras);
    await kv.status(); // open() is lazy: this fails when the bucket does not exist
  } catch {
    // same settings as a camera agent that may create it: one value per key, kept a day
    await kvm.create(kvBuckets.cameras, { history: 1, ttl: 24 * 3_600_000 });
    created.push(`KV_${kvBuckets.cameras}`);
  }
  return created;
}
