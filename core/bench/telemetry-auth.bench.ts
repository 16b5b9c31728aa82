// npm run bench -w core: what tracing and auth cost on the hot paths, each against its baseline
// measured in the same run.
//   core.nats_publish_traced_msgs_per_s   publish+receive through a real nats-server with a
//                                         PRODUCER span and traceparent header (baseline: plain)
//   core.nats_publish_tracing_off_msgs_per_s  the same helpers with tracing off (the default)
//   core.nats_publish_traced_batch_msgs_per_s traced, spans through a BatchSpanProcessor as with
//                                         OTLP in production (baseline: plain)
//   core.token_verify_cold_ms             first verification of a token (scrypt) (baseline: cached)
//   core.metrics_render_ms                /metrics text of the standard series (no baseline)
import { performance } from 'node:perf_hooks';
import { connect, headers } from '@nats-io/transport-node';
import { InMemorySpanExporter } from '@opentelemetry/sdk-trace-base';
import { startTestNats, tempDir } from '@signflow/testkit';
import { createMetricsRegistry, reportFigure, renderMetrics, setupTracing, signflowMetrics, TokenStore, withPublishSpan } from '../src/index.js';

const N = 5000;

async function natsRate(traced: boolean, url: string, recording = true, processor: 'simple' | 'batch' = 'simple'): Promise<number> {
  const exporter = new InMemorySpanExporter();
  await using tracing = recording ? setupTracing({ serviceName: 'bench', exporter, processor }) : setupTracing({ serviceName: 'bench', env: {} });
  const nc = await connect({ servers: url });
  let got = 0;
  const done = new Promise<void>((resolve) => {
    nc.subscribe('bench', { callback: () => void (++got === N && resolve()) });
  });
  await nc.flush();
  const payload = new Uint8Array(2048);
  const start = performance.now();
  for (let i = 0; i < N; i++) {
    if (traced) await withPublishSpan(tracing.tracer, 'bench', (h) => nc.publish('bench', payload, { headers: h }));
    else await Promise.resolve(nc.publish('bench', payload, { headers: headers() }));
    exporter.reset();
  }
  await done;
  const rate = N / ((performance.now() - start) / 1000);
  await nc.close();
  return rate;
}

await using nats = await startTestNats();
await natsRate(false, nats.url); // warm-up
const plain = await natsRate(false, nats.url);
const traced = await natsRate(true, nats.url);
reportFigure('core.nats_publish_traced_msgs_per_s', traced, 'msg/s', plain);
const off = await natsRate(true, nats.url, false);
reportFigure('core.nats_publish_tracing_off_msgs_per_s', off, 'msg/s', plain);
const batched = await natsRate(true, nats.url, true, 'batch');
reportFigure('core.nats_publish_traced_batch_msgs_per_s', batched, 'msg/s', plain);

await using dir = await tempDir();
const store = new TokenStore(dir.path);
const { token } = await store.create({ name: 'bench', role: 'viewer' });
let t = performance.now();
await new TokenStore(dir.path).verify(token);
const cold = performance.now() - t;
t = performance.now();
for (let i = 0; i < 1000; i++) await store.verify(token);
const cached = (performance.now() - t) / 1000;
reportFigure('core.token_verify_cold_ms', cold, 'ms', cached);

const registry = createMetricsRegistry({ service: 'bench' });
for (let c = 0; c < 8; c++) {
  signflowMetrics.frames(registry).inc({ rig: 'r', camera: `c${c}` }, 100);
  signflowMetrics.captionLatency(registry).observe({ rig: 'r', kind: 'final' }, 0.2);
}
t = performance.now();
for (let i = 0; i < 100; i++) await renderMetrics(registry);
reportFigure('core.metrics_render_ms', (performance.now() - t) / 100, 'ms');
