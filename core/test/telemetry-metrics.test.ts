import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer } from 'node:net';
import type { AddressInfo } from 'node:net';
import { createMetricsRegistry, signflowMetrics, startMetricsServer, MetricsServerError } from '../src/index.js';

test('/metrics is scraped over HTTP with the standard signflow series', async () => {
  const registry = createMetricsRegistry({ service: 'camera-agent' });
  signflowMetrics.frames(registry).inc({ rig: 'rig1', camera: 'cam0' }, 3);
  signflowMetrics.drops(registry).inc({ rig: 'rig1', camera: 'cam0', reason: 'buffer_full' });
  signflowMetrics.buffer(registry).set({ rig: 'rig1', camera: 'cam0' }, 7);
  signflowMetrics.fps(registry).set({ rig: 'rig1', camera: 'cam0' }, 24.5);
  signflowMetrics.stepDuration(registry).observe({ pipeline: 'demo', step: 'train', status: 'succeeded' }, 42);
  signflowMetrics.queueLag(registry).set({ stream: 'SIGNFLOW_FUSED', consumer: 'transcriber' }, 12);
  signflowMetrics.captionLatency(registry).observe({ rig: 'rig1', kind: 'final' }, 0.3);
  assert.equal(signflowMetrics.frames(registry), signflowMetrics.frames(registry), 'factories return the registered metric');

  await using server = await startMetricsServer({ registry, port: 0 });
  assert.notEqual(server.port, 0);
  const res = await fetch(server.url);
  assert.equal(res.status, 200);
  assert.match(res.headers.get('content-type') ?? '', /^text\/plain; version=0\.0\.4/);
  const body = await res.text();
  assert.match(body, /^signflow_frames_total\{rig="rig1",camera="cam0",service="camera-agent"\} 3$/m);
  assert.match(body, /^signflow_frames_dropped_total\{rig="rig1",camera="cam0",reason="buffer_full",service="camera-agent"\} 1$/m);
  assert.match(body, /^signflow_buffer_messages\{.*\} 7$/m);
  assert.match(body, /^signflow_fps\{.*\} 24\.5$/m);
  assert.match(body, /^signflow_step_duration_seconds_bucket\{le="60",service="camera-agent",pipeline="demo",step="train",status="succeeded"\} 1$/m);
  assert.match(body, /^signflow_queue_lag_messages\{stream="SIGNFLOW_FUSED",consumer="transcriber",service="camera-agent"\} 12$/m);
  assert.match(body, /^signflow_caption_latency_seconds_bucket\{le="0\.25",service="camera-agent",rig="rig1",kind="final"\} 0$/m);
  assert.match(body, /^signflow_caption_latency_seconds_bucket\{le="0\.5",service="camera-agent",rig="rig1",kind="final"\} 1$/m);
  assert.match(body, /^signflow_process_resident_memory_bytes\{service="camera-agent"\} \d+/m);

  const missing = await fetch(new URL('/other', server.url));
  assert.equal(missing.status, 404);
  assert.match(await missing.text(), /metrics are at \/metrics/);
  assert.equal((await fetch(new URL('/healthz', server.url))).status, 200);
});

test('a busy port is a MetricsServerError that says what to do', async () => {
  const blocker = createServer();
  await new Promise<void>((resolve) => blocker.listen(0, '127.0.0.1', resolve));
  const { port } = blocker.address() as AddressInfo;
  try {
    await assert.rejects(startMetricsServer({ registry: createMetricsRegistry({ service: 'x', processMetrics: false }), port }), (err: unknown) => {
      assert.ok(err instanceof MetricsServerError);
      assert.equal(err.code, 'METRICS_SERVER');
      assert.match(err.message, new RegExp(`127\\.0\\.0\\.1:${port}: cannot listen; pick a free port or 0`));
      return true;
    });
  } finally {
    await new Promise<void>((resolve) => blocker.close(() => resolve()));
  }
});
