/**
 * Live transcription benchmark (prints JSON lines, see core's reportFigure):
 * - live.caption_latency_ms_p50 / _p95: capture time of a sign's last frame → its final caption
 *   arriving at a live feed subscriber (an SSE client of the web package's feed server),
 *   replaying MSL-150 fixture sign sequences in real time (30 fps) as a calibrated 3-camera rig
 *   (syntheticRig: each camera's landmark packets, fused per instant by the transcriber), with
 *   the production model as the sign-recognition training produces it (fixture-model: MSL-150
 *   dataset version, training job, registry).
 *   Baseline: the segmenter's built-in wait (endFrames frames at 30 fps), the floor of a
 *   hands-lowered segmentation.
 * - live.max_rigs: rigs one transcriber process serves at 30 fps without falling behind (p95 of
 *   capture→processed lag ≤ 100 ms and every sign captioned), each rig 3 fused cameras, by a bounded doubling + bisection
 *   search up to LIVE_BENCH_MAX_RIGS (default 32). The replay publishers run in this process too.
 * Run: node --import tsx bench/live.bench.ts  (from workers/)
 */
import { connect } from '@nats-io/transport-node';
import type { NatsConnection } from '@nats-io/nats-core';
import { captionLatencyMs, captionSchema, percentile, reportFigure, subjects, type Caption } from '@signflow/core';
import { DatasetStore } from '@signflow/datasets';
import { fixture, startTestNats, tempDir } from '@signflow/testkit';
import { ModelRegistry } from '../src/registry/registry.js';
import { DirectoryStore } from '../src/training/store.js';
import { fixedModelSource } from '../src/transcriber/model-source.js';
import type { Recognizer } from '../src/transcriber/recognizer.js';
import { recognizerFromRegistry } from '../src/transcriber/registry-source.js';
import { readMslSigns, replaySigns, type RecordedSign } from '../src/transcriber/replay.js';
import { rigCameraModels, syntheticRig } from '../src/transcriber/replay-rig.js';
import { segmenterOptionsSchema } from '../src/transcriber/segmenter.js';
import { startTranscriber, type Transcriber } from '../src/transcriber/transcriber.js';
import { importFixture, trainAndRegister } from '../test/transcriber/fixture-model.js';

// Service logs would mix with the JSON lines on stdout.
process.env['SIGNFLOW_LOG_LEVEL'] ??= 'warn';

const SIGNS = ['ambulancia', 'doctor', 'dolor', 'hoy', 'yo'];
const FPS = 30;
const MAX_RIGS = Number(process.env['LIVE_BENCH_MAX_RIGS'] ?? 32);
const RIG = syntheticRig({ count: 3 });
const CAMERAS = rigCameraModels(RIG);

/** A model that shares one trained recogniser's weights but is never disposed by a swap. */
function shared(recognizer: Recognizer): Recognizer {
  return { name: recognizer.name, version: recognizer.version, labels: recognizer.labels, featureSpec: recognizer.featureSpec, recognize: (f) => recognizer.recognize(f), dispose: () => undefined };
}

interface FeedSubscriber {
  finals: { caption: Caption; latencyMs: number }[];
  close(): Promise<void>;
}

/** Subscribes like the live page does: an SSE client of the feed server (or NATS if web is absent). */
async function feedSubscriber(nc: NatsConnection, rig: string): Promise<FeedSubscriber & { via: string }> {
  const finals: FeedSubscriber['finals'] = [];
  const record = (raw: unknown): void => {
    const parsed = captionSchema.safeParse(raw);
    if (parsed.success && parsed.data.kind === 'final') finals.push({ caption: parsed.data, latencyMs: captionLatencyMs(parsed.data, Date.now()) });
  };
  try {
    const web = await import('@signflow/web/live');
    const feed = await web.startLiveFeed({ nc, auth: 'off' });
    const controller = new AbortController();
    const res = await fetch(`${feed.url}/api/live/${rig}/events`, { signal: controller.signal });
    const reader = res.body?.getReader();
    if (!reader) throw new Error('no SSE body');
    let buffer = '';
    const pump = (async () => {
      const decoder = new TextDecoder();
      for (;;) {
        const { value, done } = await reader.read();
        if (done) return;
        buffer += decoder.decode(value, { stream: true });
        let end;
        while ((end = buffer.indexOf('\n\n')) >= 0) {
          const block = buffer.slice(0, end);
          buffer = buffer.slice(end + 2);
          if (!block.startsWith('event: caption')) continue;
          const data = block.split('\n').find((l) => l.startsWith('data: '));
          if (data) record((JSON.parse(data.slice(6)) as { caption: unknown }).caption);
        }
      }
    })().catch(() => undefined);
    // Wait until the hub is subscribed (its hello arrives after the NATS flush).
    await new Promise((resolve) => setTimeout(resolve, 200));
    return {
      via: 'sse',
      finals,
      close: async () => {
        controller.abort();
        await pump;
        await feed.close();
      },
    };
  } catch (err) {
    process.stderr.write(`live bench: feed server unavailable (${String(err)}); measuring at a NATS subscriber\n`);
    const sub = nc.subscribe(subjects.captions(rig), { callback: (e, msg) => (e ? undefined : record(msg.json())) });
    await nc.flush();
    return { via: 'nats', finals, close: () => Promise.resolve(sub.unsubscribe()) };
  }
}

async function latencyRun(nc: NatsConnection, model: Recognizer, signs: RecordedSign[]): Promise<void> {
  const rig = 'bench-latency';
  const subscriber = await feedSubscriber(nc, rig);
  const transcriber = await startTranscriber({ nc, models: fixedModelSource(() => Promise.resolve(shared(model))), cameras: CAMERAS }, { rig });
  const rounds = [...signs, ...signs, ...signs];
  const replayed = await replaySigns({ nc, rig, signs: rounds, fps: FPS, rigCameras: RIG });
  const deadline = Date.now() + 10_000;
  while (subscriber.finals.length < replayed.length && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
  await transcriber.stop();
  await subscriber.close();
  const latencies = subscriber.finals.map((f) => f.latencyMs);
  const correct = subscriber.finals.filter((f, i) => f.caption.label === replayed[i]?.label).length;
  process.stderr.write(`live bench: ${correct}/${replayed.length} replayed signs captioned correctly (fused, ${transcriber.stats().fusedFrames} fused instants)\n`);
  if (latencies.length < replayed.length) process.stderr.write(`live bench: ${latencies.length}/${replayed.length} finals arrived\n`);
  const floor = (segmenterOptionsSchema.parse({}).endFrames * 1000) / FPS;
  reportFigure('live.caption_latency_ms_p50', percentile(latencies, 50), 'ms', floor);
  reportFigure('live.caption_latency_ms_p95', percentile(latencies, 95), 'ms', floor);
}

/** Serves `rigs` rigs at once; true when none fell behind. */
async function trial(nc: NatsConnection, model: Recognizer, signs: RecordedSign[], rigs: number, round: number): Promise<boolean> {
  const names = Array.from({ length: rigs }, (_, i) => `bench-r${round}-${i}`);
  const transcribers: Transcriber[] = [];
  for (const rig of names) transcribers.push(await startTranscriber({ nc, models: fixedModelSource(() => Promise.resolve(shared(model))), cameras: CAMERAS }, { rig }));
  const replays = await Promise.all(names.map((rig) => replaySigns({ nc, rig, signs, fps: FPS, restFrames: 8, rigCameras: RIG })));
  const deadline = Date.now() + 5_000;
  const allDone = (): boolean => transcribers.every((t, i) => t.stats().finals >= (replays[i]?.length ?? 0));
  while (!allDone() && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
  const stats = transcribers.map((t) => t.stats());
  await Promise.all(transcribers.map((t) => t.stop()));
  const worstP95 = Math.max(...stats.map((s) => s.lagP95Ms));
  const ok = allDone() && worstP95 <= 100;
  process.stderr.write(`live bench: ${rigs} rig(s): worst lag p95 ${worstP95.toFixed(0)} ms, ${ok ? 'kept up' : 'fell behind'}\n`);
  return ok;
}

async function maxRigs(nc: NatsConnection, model: Recognizer, signs: RecordedSign[]): Promise<void> {
  let round = 0;
  let good = 0;
  let bad = MAX_RIGS + 1;
  for (let n = 1; n <= MAX_RIGS; n *= 2) {
    if (await trial(nc, model, signs, n, round++)) good = n;
    else {
      bad = n;
      break;
    }
  }
  while (bad - good > Math.max(1, Math.floor(good / 4)) && round < 9) {
    const mid = Math.floor((good + bad) / 2);
    if (await trial(nc, model, signs, mid, round++)) good = mid;
    else bad = mid;
  }
  reportFigure('live.max_rigs', good, 'rigs', null);
}

async function main(): Promise<void> {
  await using nats = await startTestNats();
  await using dir = await tempDir();
  const nc = await connect({ servers: nats.url });
  try {
    const live = await readMslSigns(fixture('msl150', 'sample_npy'), SIGNS, 1, 10);
    const store = new DirectoryStore(`${dir.path}/artifacts`);
    const datasets = DatasetStore.local(dir.path);
    const { version } = await trainAndRegister({ store, datasets, datasetId: await importFixture(datasets), name: 'sign-recognition', seed: 7 });
    const model = await recognizerFromRegistry(store, 'sign-recognition', await new ModelRegistry(store).get('sign-recognition', version), datasets);
    await latencyRun(nc, model, live);
    await maxRigs(nc, model, live);
    model.dispose();
  } finally {
    await nc.close();
  }
}

await main();
