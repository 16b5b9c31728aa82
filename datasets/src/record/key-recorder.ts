import { connect, type ConnectionOptions, type NatsConnection } from '@nats-io/transport-node';
import { subjects } from '@signflow/core';
import { PacketTally } from './packet-tally.js';
import type { DatasetStore } from '../store/store.js';
import { watchCameraQuality } from './camera-quality.js';
import { initialKeyState, pressKey, KEY, type Key, type KeyEvent, type KeySegment, type KeyState } from './key-segmenter.js';
import type { LabelSegment } from './labels.js';
import { writeRecording, type RecordResult } from './recorder.js';
import type { RigInfo } from './rig.js';
import type { TimedPacket } from './segmenter.js';

export interface KeyRecordOptions {
  store: DatasetStore;
  name: string;
  rig: RigInfo;
  natsUrl: string;
  connectOptions?: Partial<ConnectionOptions>;
  /** Glosses the digit keys 1–9 start. */
  glosses: readonly string[];
  /** The keys as they are pressed (a terminal in raw mode, or any stream of keys); ending it finishes. */
  keys: AsyncIterable<Key>;
  signer?: string | null;
  /** Finish after this long even without `q` (default 1 h). */
  timeoutMs?: number;
  signal?: AbortSignal;
  /** Called once the subscription is live. */
  onReady?: () => void;
  /** Each thing the keys did, with the packet counts so far. */
  onEvent?: (event: KeyEvent, counts: { received: number; kept: number }) => void;
}

/**
 * Records a rig's landmark packets and cuts segments by keystrokes (see key-segmenter.ts). A
 * key stands for the stream position the recorder has reached: before applying it, the
 * connection is flushed so every packet the server had sent is counted, and the key's time is
 * just after the newest capture time received. Packets are kept only while a segment is open
 * (plus stragglers older than the last end), so a long session holds just its segments.
 * Finishing (q, Ctrl-C, end of keys, timeout, abort) writes one dataset version.
 */
export async function recordWithKeys(options: KeyRecordOptions): Promise<RecordResult & { segments: KeySegment[] }> {
  const nc: NatsConnection = await connect({ servers: options.natsUrl, name: `signflow-dataset-record-${options.rig.id}`, ...options.connectOptions });
  const kept: TimedPacket[] = [];
  const tally = new PacketTally();
  let newest: bigint | undefined;
  let lastEnd: bigint | undefined;
  let state: KeyState = initialKeyState(options.glosses);
  const quality = await watchCameraQuality(nc, options.rig.id, options.rig.cameraIds);
  const sub = nc.subscribe(subjects.landmarksOfRig(options.rig.id), {
    callback: (err, msg) => {
      if (err) return;
      const packet = tally.parse(msg);
      if (!packet) return;
      const t = BigInt(packet.captureTimeNs);
      if (newest === undefined || t > newest) newest = t;
      if (state.open || (lastEnd !== undefined && t < lastEnd)) {
        const measure = quality.current.get(packet.camera);
        kept.push({ t, packet, ...(measure ? { measure } : {}) });
      }
    },
  });
  const apply = async (key: Key) => {
    await nc.flush();
    const at = newest === undefined ? 0n : newest + 1n;
    const step = pressKey(state, key, at);
    state = step.state;
    for (const e of step.events) {
      if (e.type === 'ended') lastEnd = e.segment.end;
      options.onEvent?.(e, { received: tally.received, kept: kept.length });
    }
  };
  let timer: NodeJS.Timeout | undefined;
  const stopped = new Promise<'stop'>((resolve) => {
    timer = setTimeout(() => resolve('stop'), options.timeoutMs ?? 3_600_000);
    options.signal?.addEventListener('abort', () => resolve('stop'), { once: true });
  });
  const iterator = options.keys[Symbol.asyncIterator]();
  try {
    await nc.flush();
    options.onReady?.();
    while (!state.finished) {
      const next = await Promise.race([iterator.next(), stopped]);
      if (next === 'stop' || next.done) break;
      await apply(next.value);
    }
    if (!state.finished) await apply(KEY.interrupt);
  } finally {
    clearTimeout(timer);
    // not awaited: a next() still waiting for a key would hold return() back until the source closes
    void iterator.return?.()?.catch(() => undefined);
    sub.unsubscribe();
    quality.stop();
    await nc.close();
  }
  const segments: LabelSegment[] = state.segments.map((s) => ({ start: s.start, end: s.end, gloss: s.gloss, signer: null, line: s.n, relative: false }));
  const result = await writeRecording({
    store: options.store,
    name: options.name,
    rig: options.rig,
    packets: kept,
    segments,
    origin: 0n,
    signer: options.signer ?? null,
    received: tally.received,
    invalid: tally.invalid,
    invalidItems: tally.invalidItems,
    step: { cutBy: 'keys', segments: segments.length, glosses: [...options.glosses] },
    describe: (seg) => `key segment ${seg.line}`,
  });
  return { ...result, segments: [...state.segments] };
}
