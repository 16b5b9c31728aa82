import type { NatsConnection } from '@nats-io/nats-core';
import { DeliverPolicy, jetstream, jetstreamManager, JetStreamApiError } from '@nats-io/jetstream';
import { captionSchema, streams, subjects, type Caption } from '@signflow/core';

/**
 * The captions of a rig the captions stream kept, oldest first: the last `limit` of those
 * captured in the last `sinceMs`. Empty when the stream does not exist yet.
 */
export async function recentCaptions(nc: NatsConnection, rig: string, options: { limit?: number; sinceMs?: number } = {}): Promise<Caption[]> {
  const limit = options.limit ?? 50;
  const jsm = await jetstreamManager(nc);
  try {
    const info = await jsm.streams.info(streams.captions, { subjects_filter: subjects.captions(rig) });
    if (!info.state.subjects?.[subjects.captions(rig)]) return [];
  } catch (err) {
    if (err instanceof JetStreamApiError && err.status === 404) return [];
    throw err;
  }
  const js = jetstream(nc);
  const consumer = await js.consumers.get(streams.captions, {
    filter_subjects: [subjects.captions(rig)],
    deliver_policy: DeliverPolicy.StartTime,
    opt_start_time: new Date(Date.now() - (options.sinceMs ?? 10 * 60_000)).toISOString(),
  });
  const out: Caption[] = [];
  for (;;) {
    const msg = await consumer.next({ expires: 1000 });
    if (!msg) break;
    const parsed = captionSchema.safeParse(msg.json());
    if (parsed.success) out.push(parsed.data);
    if (out.length > limit * 4) out.splice(0, out.length - limit * 4);
    if (msg.info.pending === 0) break;
  }
  return out.slice(-limit);
}

/** The latest caption of each segment (a final replaces its partials), in first-seen order. */
export function collapseSegments<T extends Caption>(captions: readonly T[]): T[] {
  const bySegment = new Map<string, T>();
  for (const caption of captions) {
    const previous = bySegment.get(caption.segment);
    if (previous?.kind === 'final') continue;
    bySegment.set(caption.segment, caption);
  }
  return [...bySegment.values()];
}
