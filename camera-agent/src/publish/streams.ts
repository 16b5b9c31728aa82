import { DiscardPolicy, RetentionPolicy, StorageType, type JetStreamManager, type StreamConfig } from '@nats-io/jetstream';
import { nanos } from '@nats-io/transport-node';
import { streams, subjects } from '@signflow/core';
import type { RigConfig } from '../rig/schema.js';

function isNotFound(err: unknown): boolean {
  return err instanceof Error && /not found/i.test(err.message);
}

/**
 * Creates the frames stream, or brings its limits to those of the rig file; safe to call from
 * every agent at every start.
 */
export async function ensureFramesStream(jsm: JetStreamManager, limits: RigConfig['stream']): Promise<StreamConfig> {
  const wanted = {
    max_age: nanos(limits.maxAge),
    max_bytes: limits.maxBytes,
    duplicate_window: nanos(Math.min(limits.duplicateWindow, limits.maxAge || limits.duplicateWindow)),
  };
  try {
    const info = await jsm.streams.info(streams.frames);
    const current = info.config;
    if (current.max_age === wanted.max_age && current.max_bytes === wanted.max_bytes && current.duplicate_window === wanted.duplicate_window) return current;
    return (await jsm.streams.update(streams.frames, { ...current, ...wanted })).config;
  } catch (err) {
    if (!isNotFound(err)) throw err;
  }
  try {
    const info = await jsm.streams.add({
      name: streams.frames,
      subjects: [subjects.allFrames],
      storage: StorageType.File,
      retention: RetentionPolicy.Limits,
      discard: DiscardPolicy.Old,
      ...wanted,
    });
    return info.config;
  } catch (err) {
    // Another agent created it between our info and add.
    if (err instanceof Error && /already in use/i.test(err.message)) return (await jsm.streams.info(streams.frames)).config;
    throw err;
  }
}
