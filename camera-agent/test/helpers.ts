import { connect, type ConnectionOptions, type NatsConnection } from '@nats-io/transport-node';
import { jetstream, jetstreamManager, DeliverPolicy } from '@nats-io/jetstream';
import { readFrameHeaders, streams, subjects, type FrameHeaders } from '@signflow/core';
import { parseRig, type RigConfig, type RigConfigInput } from '../src/index.js';

export const testTimeout = { timeout: 60_000 };

export function testsrcCamera(id: string, extra: Record<string, unknown> = {}): RigConfigInput['cameras'][number] {
  return { id, role: 'body', source: { kind: 'testsrc', pattern: 'testsrc2' }, resolution: '160x120', fps: 15, jpegQuality: 70, ...extra };
}

export function makeRig(cameras: RigConfigInput['cameras'], extra: Partial<RigConfigInput> = {}): RigConfig {
  return parseRig({ id: 'booth1', cameras, heartbeat: { interval: '300ms' }, ...extra }, 'test rig');
}

export interface ReceivedFrame {
  headers: FrameHeaders;
  msgId: string;
  bytes: number;
  firstBytes: number[];
  streamSeq: number;
}

/** Everything the frames stream holds for one camera, in stream order. */
export async function readStoredFrames(url: string, rig: string, camera: string, auth: Partial<ConnectionOptions> = {}): Promise<ReceivedFrame[]> {
  const nc = await connect({ servers: url, ...auth });
  try {
    const jsm = await jetstreamManager(nc);
    const info = await jsm.streams.info(streams.frames, { subjects_filter: subjects.frames(rig, camera) });
    const expected = info.state.subjects?.[subjects.frames(rig, camera)] ?? 0;
    if (expected === 0) return [];
    const js = jetstream(nc);
    const consumer = await js.consumers.get(streams.frames, { filter_subjects: [subjects.frames(rig, camera)], deliver_policy: DeliverPolicy.All });
    const out: ReceivedFrame[] = [];
    const messages = await consumer.consume();
    for await (const m of messages) {
      out.push({
        headers: readFrameHeaders(m.headers),
        msgId: m.headers?.get('Nats-Msg-Id') ?? '',
        bytes: m.data.length,
        firstBytes: [m.data[0] ?? -1, m.data[1] ?? -1],
        streamSeq: m.seq,
      });
      if (out.length >= expected) break;
    }
    await messages.close();
    return out;
  } finally {
    await nc.close();
  }
}

export async function withConnection<T>(url: string, work: (nc: NatsConnection) => Promise<T>): Promise<T> {
  const nc = await connect({ servers: url });
  try {
    return await work(nc);
  } finally {
    await nc.close();
  }
}

/** Asserts seqs strictly increase by 1 (nothing lost, nothing twice, in order). */
export function gapsAndRepeats(seqs: readonly number[]): { gaps: number; repeats: number; outOfOrder: number } {
  let gaps = 0;
  let repeats = 0;
  let outOfOrder = 0;
  const seen = new Set<number>();
  for (let i = 0; i < seqs.length; i++) {
    const s = seqs[i] ?? 0;
    if (seen.has(s)) repeats++;
    seen.add(s);
    if (i > 0) {
      const prev = seqs[i - 1] ?? 0;
      if (s < prev) outOfOrder++;
      else if (s > prev + 1) gaps += s - prev - 1;
    }
  }
  return { gaps, repeats, outOfOrder };
}
