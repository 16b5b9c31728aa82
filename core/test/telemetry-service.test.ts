import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { InMemorySpanExporter } from '@opentelemetry/sdk-trace-base';
import {
  createMetricsRegistry,
  currentTracing,
  metricsListenFrom,
  onCollect,
  processMetricsRegistry,
  serveProcessMetrics,
  setupTracing,
  signflowMetrics,
  startMetricsServer,
  TelemetryConfigError,
  traceContextFromEnv,
  traceEnv,
  traceIdFromEnv,
  withSpan,
} from '../src/index.js';
import { trace } from '@opentelemetry/api';

test('a child process started inside a span sees it as TRACEPARENT and can continue it', async () => {
  const exporter = new InMemorySpanExporter();
  await using tracing = setupTracing({ serviceName: 'env-test', exporter });
  assert.equal(currentTracing(), tracing, 'services handed no Tracing use the one set up last');
  assert.deepEqual(traceEnv(), {}, 'no TRACEPARENT outside a span');
  const { traceId, spanId, seen } = await withSpan(tracing.tracer, 'run step', {}, (span) => {
    const env = { ...process.env, ...traceEnv() };
    const seen = execFileSync('sh', ['-c', 'printf %s "$TRACEPARENT"'], { env, encoding: 'utf8' });
    return { ...span.spanContext(), seen };
  });
  assert.equal(seen, `00-${traceId}-${spanId}-01`);
  assert.equal(traceIdFromEnv({ TRACEPARENT: seen }), traceId);
  // The step's own span joins the run's trace.
  const child = tracing.tracer.startSpan('inside the step', {}, traceContextFromEnv({ TRACEPARENT: seen }));
  child.end();
  assert.equal(child.spanContext().traceId, traceId);
  assert.equal(trace.getSpanContext(traceContextFromEnv({ TRACEPARENT: 'garbage' })), undefined, 'a bad TRACEPARENT is ignored');
  await assert.rejects(withSpan(tracing.tracer, 'fails', {}, () => Promise.reject(new Error('boom'))), /boom/);
  assert.equal(exporter.getFinishedSpans().find((s) => s.name === 'fails')?.status.code, 2, 'a thrown error marks the span');
});

test('the metrics port comes from the flag, else SIGNFLOW_METRICS_PORT; a bad one says which setting', () => {
  assert.equal(metricsListenFrom(undefined, {}), undefined, 'not served unless configured');
  assert.deepEqual(metricsListenFrom('9464', {}), { host: '0.0.0.0', port: 9464 });
  assert.deepEqual(metricsListenFrom(undefined, { SIGNFLOW_METRICS_PORT: '0', SIGNFLOW_METRICS_HOST: '127.0.0.1' }), { host: '127.0.0.1', port: 0 });
  assert.deepEqual(metricsListenFrom('9100', { SIGNFLOW_METRICS_PORT: '9200' })?.port, 9100, 'the flag wins');
  assert.throws(() => metricsListenFrom('http', {}), (err: unknown) => err instanceof TelemetryConfigError && /--metrics-port or SIGNFLOW_METRICS_PORT/.test(err.message));
  assert.throws(() => metricsListenFrom(undefined, { SIGNFLOW_METRICS_PORT: '70000' }), TelemetryConfigError);
});

test('collect hooks copy a service’s own counts into the registry at each scrape', async () => {
  const registry = createMetricsRegistry({ service: 'hooks', processMetrics: false });
  let buffered = 3;
  const remove = onCollect(registry, () => signflowMetrics.buffer(registry).set({ rig: 'r', camera: 'c' }, buffered));
  await using server = await startMetricsServer({ registry, port: 0 });
  assert.match(await (await fetch(server.url)).text(), /^signflow_buffer_messages\{.*\} 3$/m);
  buffered = 5;
  assert.match(await (await fetch(server.url)).text(), /^signflow_buffer_messages\{.*\} 5$/m);
  remove();
  buffered = 9;
  assert.match(await (await fetch(server.url)).text(), /^signflow_buffer_messages\{.*\} 5$/m, 'a removed hook no longer runs');
});

test('serveProcessMetrics serves the process registry only when a port is configured', async () => {
  assert.equal(await serveProcessMetrics(undefined), undefined);
  signflowMetrics.captions(processMetricsRegistry()).inc({ rig: 'r', kind: 'final' });
  const server = await serveProcessMetrics({ host: '127.0.0.1', port: 0 });
  assert.ok(server);
  try {
    assert.match(await (await fetch(server.url)).text(), /^signflow_captions_total\{.*kind="final".*\} 1$/m);
  } finally {
    await server.close();
  }
});
