import { JetStreamApiError, StorageType, type JetStreamManager, type StreamConfig } from '@nats-io/jetstream';
import { streams, subjects } from '@signflow/core';

const NS_PER_MS = 1_000_000;

/** Stream configs the live path relies on; created when missing, left alone when present. */
export const liveStreamConfigs = {
  landmarks: {
    name: streams.landmarks,
    subjects: [subjects.allLandmarks],
    storage: StorageType.File,
    max_age: 60 * 60 * 1000 * NS_PER_MS,
    duplicate_window: 2 * 60 * 1000 * NS_PER_MS,
  },
  captions: {
    name: streams.captions,
    subjects: [subjects.allCaptions],
    storage: StorageType.File,
    max_age: 7 * 24 * 60 * 60 * 1000 * NS_PER_MS,
    /** Finals carry a Nats-Msg-Id: a final republished after a restart is dropped here. */
    duplicate_window: 10 * 60 * 1000 * NS_PER_MS,
  },
  frames: {
    name: streams.frames,
    subjects: [subjects.allFrames],
    storage: StorageType.File,
    max_age: 10 * 60 * 1000 * NS_PER_MS,
    max_bytes: 2 * 1024 * 1024 * 1024,
  },
} satisfies Record<string, Partial<StreamConfig> & { name: string }>;

/** Creates the stream unless it exists (another part may own its exact limits). */
export async function ensureStream(jsm: JetStreamManager, config: Partial<StreamConfig> & { name: string }): Promise<void> {
  try {
    await jsm.streams.info(config.name);
  } catch (err) {
    if (!(err instanceof JetStreamApiError) || err.status !== 404) throw err;
    try {
      await jsm.streams.add(config);
    } catch (addErr) {
      // Another process created it in between: fine.
      if (!(addErr instanceof JetStreamApiError) || !/already in use|exists/i.test(addErr.message)) throw addErr;
    }
  }
}
