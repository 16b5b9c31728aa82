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
  return ensureStream(jsm, streams.frames, subjects.allFrames, limits);
}

/** The landmarks stream (edge landmark mode), made only if it is not there yet. */
export async function ensureLandmarksStream(jsm: JetStreamManager, limits: RigConfig['stream']): Promise<StreamConfig> {
  try {
    return (await jsm.streams.info(streams.landmarks)).config;
  } catch (err) {
    if (!isNotFound(err)) throw err;
  }
  return ensureStream(jsm, streams.landmarks, subjects.allLandmarks, limits);
}

async function ensureStream(jsm: JetStreamManager, name: string, subject: string, limits: RigConfig['stream']): Promise<StreamConfig> {
  const wanted = {
    max_age: nanos(limits.maxAge),
    max_bytes: limits.maxBytes,
    duplicate_window: nanos(Math.min(limits.duplicateWindow, limits.maxAge || limits.duplicateWindow)),
  };
  try {
    const info = await jsm.streams.info(name);
    const current = info.config;
    if (current.max_age === wanted.max_age && current.max_bytes === wanted.max_bytes && current.duplicate_window === wanted.duplicate_window) return current;
    return (await jsm.streams.update(name, { ...current, ...wanted })).config;
  } catch (err) {
    if (!isNotFound(err)) throw err;
  }
  try {
    const info = await jsm.streams.add({
      name,
      subjects: [subject],
      storage: StorageType.File,
      retention: RetentionPolicy.Limits,
      discard: DiscardPolicy.Old,
      ...wanted,
    });
    return info.config;
  } catch (err) {
    // Another agent created it between our info and add.
    if (err instanceof Error && /already in use/i.test(err.message)) return (await jsm.streams.info(name)).config;
    throw err;
  }
}
