import { DeliverPolicy, type JetStreamClient, type JsMsg } from '@nats-io/jetstream';
import { readFrameHeaders, streams, subjects, type FrameHeaders } from '@signflow/core';
import { Bundler, type Bundle } from './bundler.js';

export interface BundledFrame {
  headers: FrameHeaders;
  jpeg: Uint8Array;
}

export interface ConsumeBundlesOptions {
  rig: string;
  cameras: readonly string[];
  toleranceMs: number;
  /** Start from the oldest frame the stream holds (default) or only new ones. */
  from?: 'all' | 'new';
}

/**
 * What a consumer asks for to get multi-view bundles: reads the rig's frames from JetStream
 * (ordered consumer) and yields a bundle whenever every camera has a frame within the tolerance.
 * Stops when `signal` aborts.
 */
export async function* consumeBundles(js: JetStreamClient, options: ConsumeBundlesOptions, signal?: AbortSignal): AsyncGenerator<Bundle<BundledFrame>> {
  const consumer = await js.consumers.get(streams.frames, {
    filter_subjects: options.cameras.map((camera) => subjects.frames(options.rig, camera)),
    deliver_policy: options.from === 'new' ? DeliverPolicy.New : DeliverPolicy.All,
  });
  const ready: Bundle<BundledFrame>[] = [];
  const bundler = new Bundler<BundledFrame>(options.cameras, options.toleranceMs, (bundle) => ready.push(bundle));
  const messages = await consumer.consume();
  const stop = (): void => void messages.close();
  signal?.addEventListener('abort', stop, { once: true });
  try {
    for await (const m of messages as AsyncIterable<JsMsg>) {
      const headers = readFrameHeaders(m.headers);
      bundler.add({ camera: headers.camera, captureNs: headers.captureWallNs, item: { headers, jpeg: m.data } });
      while (ready.length > 0) {
        const bundle = ready.shift();
        if (bundle) yield bundle;
      }
    }
  } finally {
    signal?.removeEventListener('abort', stop);
    await messages.close();
  }
}
