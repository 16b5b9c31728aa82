import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';
import { context, trace, TraceFlags } from '@opentelemetry/api';
import { setupTracing, tracesExporterFromEnv, injectTraceContext, TelemetryConfigError } from '../src/index.js';

test('tracing is off by default and on with the standard OTEL_* variables', () => {
  assert.equal(tracesExporterFromEnv({}), 'none');
  assert.equal(tracesExporterFromEnv({ OTEL_EXPORTER_OTLP_ENDPOINT: 'http://127.0.0.1:4318' }), 'otlp');
  assert.equal(tracesExporterFromEnv({ OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: 'http://127.0.0.1:4318/v1/traces' }), 'otlp');
  assert.equal(tracesExporterFromEnv({ OTEL_TRACES_EXPORTER: 'console' }), 'console');
  assert.equal(tracesExporterFromEnv({ OTEL_TRACES_EXPORTER: 'none', OTEL_EXPORTER_OTLP_ENDPOINT: 'http://x' }), 'none');
  assert.equal(tracesExporterFromEnv({ OTEL_SDK_DISABLED: 'true', OTEL_TRACES_EXPORTER: 'otlp' }), 'none');
});

test('an unsupported exporter or protocol is a TelemetryConfigError naming the variable', () => {
  assert.throws(() => tracesExporterFromEnv({ OTEL_TRACES_EXPORTER: 'jaeger' }), (err: unknown) => {
    assert.ok(err instanceof TelemetryConfigError);
    assert.equal(err.code, 'TELEMETRY_CONFIG');
    assert.match(err.message, /OTEL_TRACES_EXPORTER="jaeger".*otlp/);
    return true;
  });
  assert.throws(
    () => setupTracing({ serviceName: 's', env: { OTEL_EXPORTER_OTLP_ENDPOINT: 'http://127.0.0.1:1', OTEL_EXPORTER_OTLP_PROTOCOL: 'grpc' } }),
    /OTEL_EXPORTER_OTLP_PROTOCOL=grpc is not supported/,
  );
});

test('with tracing off, a service in the middle still passes the incoming trace on', async () => {
  await using tracing = setupTracing({ serviceName: 'middle', env: {} });
  assert.equal(tracing.enabled, false);
  const remote = trace.setSpanContext(context.active(), {
    traceId: '0af7651916cd43dd8448eb211c80319c',
    spanId: 'b7ad6b7169203331',
    traceFlags: TraceFlags.SAMPLED,
    isRemote: true,
  });
  await context.with(remote, async () => {
    tracing.tracer.startActiveSpan('work', (span) => {
      const headers = injectTraceContext();
      assert.equal(span.isRecording(), false, 'nothing is recorded when off');
      assert.match(headers.get('traceparent'), /^00-0af7651916cd43dd8448eb211c80319c-/);
      span.end();
    });
  });
});

test('OTLP/HTTP export reaches the endpoint named by OTEL_EXPORTER_OTLP_ENDPOINT', async () => {
  const received: { path: string; type: string; body: Buffer }[] = [];
  const collector = createServer((req: IncomingMessage, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      received.push({ path: req.url ?? '', type: req.headers['content-type'] ?? '', body: Buffer.concat(chunks) });
      res.writeHead(200, { 'content-type': 'application/x-protobuf' }).end();
    });
  });
  await new Promise<void>((resolve) => collector.listen(0, '127.0.0.1', resolve));
  const { port } = collector.address() as AddressInfo;
  try {
    const tracing = setupTracing({
      serviceName: 'ignored',
      env: { OTEL_EXPORTER_OTLP_ENDPOINT: `http://127.0.0.1:${port}`, OTEL_SERVICE_NAME: 'signflow-export-test' },
    });
    assert.equal(tracing.exporterKind, 'otlp');
    tracing.tracer.startActiveSpan('submit-run', (span) => span.end());
    await tracing.flush();
    await tracing.shutdown();
    assert.equal(received.length, 1, 'one export request');
    const [req] = received;
    assert.equal(req?.path, '/v1/traces');
    assert.equal(req?.type, 'application/x-protobuf');
    const text = req?.body.toString('latin1') ?? '';
    assert.ok(text.includes('signflow-export-test'), 'service.name from OTEL_SERVICE_NAME is in the payload');
    assert.ok(text.includes('submit-run'), 'the span name is in the payload');
  } finally {
    collector.closeAllConnections();
    await new Promise<void>((resolve) => collector.close(() => resolve()));
  }
});
