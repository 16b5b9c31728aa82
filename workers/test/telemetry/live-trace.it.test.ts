import { test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { headers as natsHeaders, type Msg } from '@nats-io/nats-core';
import { jetstream, jetstreamManager } from '@nats-io/jetstream';
import { InMemorySpanExporter } from '@opentelemetry/sdk-trace-base';
import { SpanKind } from '@opentelemetry/api';
import { captionSchema, frameHeaderRecord, processMetricsRegistry, setupTracing, startMetricsServer, subjects, toCaptureTimeNs, traceIdOf } from '@signflow/core';
import { DatasetStore } from '@signflow/datasets';
import { createDetector } from '@signflow/landmarks';
import { requireTool } from '@signflow/stack';
import { fixture, startTestNats, tempDir, waitFor } from '@signflow/testkit';
import { startExtraction } from '../../src/extraction/service.js';
import { ModelRegistry } from '../../src/registry/registry.js';
import { DirectoryStore } from '../../src/training/store.js';
import { registryModelSource } from '../../src/transcriber/registry-source.js';
import { mslFrameToPacket } from '../../src/transcriber/replay.js';
import { ensureStream, liveStreamConfigs } from '../../src/transcriber/streams.js';
import { startTranscriber } from '../../src/transcriber/transcriber.js';
import { importFixture, trainAndRegister } from '../transcriber/fixture-model.js';
import { mslSets, natsConnection } from '../transcriber/helpers.js';

const RIG = 'traced';

/** A W3C traceparent of a fresh, sampled trace (what an upstream hop would send). */
function freshTraceparent(): { traceparent: string; traceId: string; spanId: string } {
  const traceId = randomBytes(16).toString('hex');
  const spanId = randomBytes(8).toString('hex');
  return { traceparent: `00-${traceId}-${spanId}-01`, traceId, spanId };
}

test('a frame’s trace continues through extraction into its landmark packet, and the transcriber’s caption span continues the frames’ traces; both services record their metrics', { timeout: 300_000 }, async () => {
  const exporter = new InMemorySpanExporter();
  await using _tracing = setupTracing({ serviceName: 'live-trace-test', exporter });
  await using nats = await startTestNats();
  await using dir = await tempDir();
  await using nc = await natsConnection(nats.url);
  const js = jetstream(nc);
  const jsm = await jetstreamManager(nc);
  await ensureStream(jsm, liveStreamConfigs.frames);
  await ensureStream(jsm, liveStreamConfigs.landmarks);

  // 1. camera → extraction: one real JPEG of the fixture clip with a known traceparent, real MediaPipe.
  execFileSync(requireTool('ffmpeg').path, ['-loglevel', 'error', '-i', fixture('tfjs-models', 'asl_hand.25fps.mp4'), '-frames:v', '1', '-q:v', '3', join(dir.path, 'frame.jpg')]);
  const packets: Msg[] = [];
  const sub = nc.subscribe(subjects.landmarks(RIG, 'front'), { callback: (_err, msg) => void packets.push(msg) });
  await using _extraction = await startExtraction({ nc, createDetector: () => createDetector('mediapipe', { pose: false, maxHands: 1 }) }, { rig: RIG, maxLagMs: 60_000 });
  const camera = freshTraceparent();
  const now = BigInt(Date.now()) * 1_000_000n;
  const h = natsHeaders();
  for (const [k, v] of Object.entries(frameHeaderRecord({ rig: RIG, camera: 'front', seq: 0, captureWallNs: now, captureMonoNs: now, width: 620, height: 1080, encoding: 'jpeg', calibrationVersion: '' }))) h.set(k, v);
  h.set('traceparent', camera.traceparent);
  await js.publish(subjects.frames(RIG, 'front'), readFileSync(join(dir.path, 'frame.jpg')), { headers: h });
  const packet = await waitFor('the landmark packet', async () => packets[0], { timeoutMs: 120_000 });
  sub.unsubscribe();
  assert.equal(traceIdOf(packet.headers), camera.traceId, 'the landmark packet carries the frame’s trace');
  const consume = exporter.getFinishedSpans().find((s) => s.name === `process ${subjects.frames(RIG, 'front')}`);
  assert.equal(consume?.kind, SpanKind.CONSUMER);
  assert.equal(consume?.parentSpanContext?.spanId, camera.spanId, 'extraction’s span is a child of the camera’s publish span');
  assert.equal(packet.headers?.get('traceparent').split('-')[2], consume?.spanContext().spanId, 'the packet is published from extraction’s span');

  // 2. landmark packets → transcriber → caption: each packet of a replayed sign carries its own trace.
  const store = new DirectoryStore(`${dir.path}/artifacts`);
  const datasets = DatasetStore.local(dir.path);
  await trainAndRegister({ store, datasets, datasetId: await importFixture(datasets), name: 'sign-recognition', seed: 7 });
  await new ModelRegistry(store).promote('sign-recognition', 1, 'production');
  const captions: Msg[] = [];
  const captionSub = nc.subscribe(subjects.captions(RIG), { callback: (_err, msg) => void captions.push(msg) });
  await using _transcriber = await startTranscriber({ nc, models: registryModelSource({ nc, registry: new ModelRegistry(store), store, model: 'sign-recognition', datasets }) }, { rig: RIG, camera: 'cam0' });
  const [sign] = (await mslSets()).live;
  const restFrame = sign?.frames[0];
  assert.ok(sign && restFrame);
  const rest = Array.from({ length: 12 }, () => ({ frame: restFrame, withoutHands: true }));
  const frames = [...rest, ...sign.frames.map((frame) => ({ frame, withoutHands: false })), ...rest];
  const traceOfCapture = new Map<string, ReturnType<typeof freshTraceparent>>();
  const start = Date.now();
  for (const [seq, f] of frames.entries()) {
    const captureTimeNs = toCaptureTimeNs(start + seq * 33);
    const trace = freshTraceparent();
    traceOfCapture.set(captureTimeNs, trace);
    const hh = natsHeaders();
    hh.set('traceparent', trace.traceparent);
    await js.publish(subjects.landmarks(RIG, 'cam0'), JSON.stringify(mslFrameToPacket(f.frame, { rig: RIG, camera: 'cam0', seq, captureTimeNs, withoutHands: f.withoutHands })), { headers: hh });
  }
  const finalMsg = await waitFor('the final caption', async () => captions.find((m) => captionSchema.parse(m.json()).kind === 'final'), { timeoutMs: 30_000 });
  captionSub.unsubscribe();
  const caption = captionSchema.parse(finalMsg.json());
  const last = traceOfCapture.get(caption.endCaptureTimeNs);
  assert.ok(last, 'the caption ends on a published frame');
  assert.equal(traceIdOf(finalMsg.headers), last.traceId, 'the caption message continues the trace of the last frame it covers');
  const span = exporter.getFinishedSpans().find((s) => s.name === 'caption final');
  assert.ok(span);
  assert.equal(span.kind, SpanKind.PRODUCER);
  assert.equal(span.parentSpanContext?.spanId, last.spanId);
  assert.equal(span.attributes['signflow.caption.segment'], caption.segment);
  const coveredTraces = new Set([...traceOfCapture].filter(([t]) => BigInt(t) >= BigInt(caption.startCaptureTimeNs) && BigInt(t) < BigInt(caption.endCaptureTimeNs)).map(([, v]) => v.traceId));
  assert.ok(span.links.length >= Math.min(coveredTraces.size, 10), `links to the other frames (${span.links.length} of ${coveredTraces.size})`);
  for (const link of span.links) assert.ok(coveredTraces.has(link.context.traceId), 'each link is a frame the caption covers');

  // 3. both services recorded into the process registry, served on /metrics.
  await using metrics = await startMetricsServer({ registry: processMetricsRegistry(), port: 0 });
  const body = await (await fetch(metrics.url)).text();
  assert.match(body, new RegExp(`^signflow_extraction_frames_total\\{[^}]*rig="${RIG}",outcome="packet"[^}]*\\} 1$`, 'm'));
  const latencyCount = /^signflow_caption_latency_seconds_count\{[^}]*rig="traced",kind="final"[^}]*\} (\d+)$/m.exec(body);
  assert.ok(Number(latencyCount?.[1]) >= 1, 'a caption latency was observed');
  assert.match(body, /^signflow_captions_total\{[^}]*rig="traced",kind="final"[^}]*\} 1$/m);
  assert.match(body, /^signflow_queue_lag_messages\{[^}]*consumer="transcriber-traced"[^}]*\} \d+$/m);
});
