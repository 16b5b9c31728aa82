import { connect } from '@nats-io/transport-node';
import type { NatsConnection } from '@nats-io/nats-core';
import { captionSchema, type Caption } from '@signflow/core';
import { fixture, waitFor } from '@signflow/testkit';
import { readMslSigns, type RecordedSign } from '../../src/transcriber/replay.js';

export const SIGNS = ['ambulancia', 'doctor', 'dolor', 'hoy', 'yo'] as const;

/**
 * Signs to replay from the MSL-150 fixture: the 11th sequence of each sign (`perSign` from
 * there), never trained on (fixture-model trains on the first 10 of each sign).
 */
export async function mslSets(perSign = 1): Promise<{ live: RecordedSign[] }> {
  return { live: await readMslSigns(fixture('msl150', 'sample_npy'), SIGNS, perSign, 10) };
}

export async function natsConnection(url: string): Promise<NatsConnection & AsyncDisposable> {
  const nc = await connect({ servers: url });
  return Object.assign(nc, { [Symbol.asyncDispose]: () => nc.close() });
}

/** Collects the captions published for a rig (core subscription: what a live reader sees). */
export async function collectCaptions(nc: NatsConnection, subject: string): Promise<{ captions: Caption[]; finals: () => Caption[]; stop: () => void }> {
  const captions: Caption[] = [];
  const sub = nc.subscribe(subject, {
    callback: (err, msg) => {
      if (err) return;
      const parsed = captionSchema.safeParse(msg.json());
      if (parsed.success) captions.push(parsed.data);
      else process.stderr.write(`bad caption: ${parsed.error.message}\n`);
    },
  });
  await nc.flush();
  return { captions, finals: () => captions.filter((c) => c.kind === 'final'), stop: () => sub.unsubscribe() };
}

/** Waits (polling, with a deadline) until `condition` holds. */
export async function until(what: string, condition: () => boolean | Promise<boolean>, timeoutMs = 15_000): Promise<void> {
  await waitFor(what, async () => ((await condition()) ? true : undefined), { timeoutMs, intervalMs: 25 });
}
