import { Kvm, type KV } from '@nats-io/kv';
import type { NatsConnection } from '@nats-io/transport-node';
import { z } from 'zod';
import { kvBuckets } from '@signflow/core';
import type { FrameMeasure } from '../preprocess/quality.js';

/** The part of a camera heartbeat (camera agent, KV `signflow_cameras`, key `<rig>.<camera>`) recording uses. */
const heartbeatSchema = z.object({
  camera: z.string(),
  quality: z
    .object({
      /** Mean gray level, 0–1. */
      brightness: z.number(),
      /** Variance of the Laplacian of the agent's gray thumbnail. */
      blur: z.number(),
    })
    .nullable(),
});

export interface CameraQualityWatch {
  /** The latest measure of each camera (brightness on the 0–255 scale of FrameMeasure). */
  current: Map<string, FrameMeasure>;
  stop(): void;
}

/**
 * Follows the rig's camera heartbeats for their image-quality signals, so recorded frames can
 * be flagged lowLight/blur with the measure current when they arrived. Reads the present values
 * first, then watches updates. Without the bucket (no agent has run), nothing is measured.
 */
export async function watchCameraQuality(nc: NatsConnection, rig: string, cameras: readonly string[]): Promise<CameraQualityWatch> {
  const current = new Map<string, FrameMeasure>();
  let kv: KV;
  try {
    kv = await new Kvm(nc).open(kvBuckets.cameras);
    await kv.status();
  } catch {
    return { current, stop: () => undefined };
  }
  const apply = (value: Uint8Array | undefined) => {
    if (!value || value.length === 0) return;
    let parsed;
    try {
      parsed = heartbeatSchema.safeParse(JSON.parse(new TextDecoder().decode(value)));
    } catch {
      return;
    }
    if (parsed.success && parsed.data.quality) current.set(parsed.data.camera, { brightness: parsed.data.quality.brightness * 255, sharpness: parsed.data.quality.blur });
  };
  for (const camera of cameras) apply((await kv.get(`${rig}.${camera}`))?.value);
  const watcher = await kv.watch({ key: `${rig}.>`, include: 'updates' });
  void (async () => {
    for await (const e of watcher) apply(e.value);
  })();
  return { current, stop: () => watcher.stop() };
}
