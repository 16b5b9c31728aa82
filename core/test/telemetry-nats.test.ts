import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Writable } from 'node:stream';
import { pino } from 'pino';
import { connect, type Msg } from '@nats-io/transport-node';
import { InMemorySpanExporter } from '@opentelemetry/sdk-trace-base';
import { SpanKind } from '@opentelemetry/api';
import { startTestNats } from '@signflow/testkit';
import { waitFor } from '@signflow/stack';
import { setupTracing, withPublishSpan, withConsumeSpan, traceIdOf, traceLogMixin, subjects } from '../src/index.js';

test('a trace runs publisher → nats-server → extraction → caption subscriber, and logs carry its id', async () => {
  const exporter = new InMemorySpanExporter();
  await using tracing = setupTracing({ serviceName: 'telemetry-test', exporter });
  await using nats = await startTestNats();
  const nc = await connect({ servers: nats.url });
  const logLines: Record<string, unknown>[] = [];
  const sink = new Writable({
    write(chunk: Buffer, _enc, done) {
      logLines.push(JSON.parse(chunk.toString()) as Record<string, unknown>);
      done();
    },
  });
  const log = pino({ mixin: traceLogMixin }, sink);
  try {
    const framesSubject = subjects.frames('rig1', 'cam0');
    const captionSubject = subjects.captions('rig1');
    const captions: Msg[] = [];
    // "extraction": consumes a frame, publishes a caption in the same trace
    nc.subscribe(framesSubject, {
      callback: (_err, msg) => {
        void withConsumeSpan(tracing.tracer, msg, async () => {
          log.info({ subject: msg.subject }, 'frame received');
          await withPublishSpan(tracing.tracer, captionSubject, (headers) => nc.publish(captionSubject, 'HELLO', { headers }));
        });
      },
    });
    nc.subscribe(captionSubject, { callback: (_err, msg) => void captions.push(msg) });
    await nc.flush();

    await withPublishSpan(tracing.tracer, framesSubject, (headers) => nc.publish(framesSubject, new Uint8Array([0xff, 0xd8]), { headers }));
    const caption = await waitFor('the caption to arrive', async () => captions[0], { timeoutMs: 5000 });

    const spans = await waitFor('three finished spans', async () => (exporter.getFinishedSpans().length >= 3 ? exporter.getFinishedSpans() : undefined), { timeoutMs: 5000 });
    const producer = spans.find((s) => s.name === `publish ${framesSubject}`);
    const consumer = spans.find((s) => s.name === `process ${framesSubject}`);
    const captionPublish = spans.find((s) => s.name === `publish ${captionSubject}`);
    assert.ok(producer && consumer && captionPublish, `spans seen: ${spans.map((s) => s.name).join(', ')}`);
    const traceId = producer.spanContext().traceId;
    assert.equal(consumer.spanContext().traceId, traceId, 'the consumer joined the publisher trace through the headers');
    assert.equal(consumer.parentSpanContext?.spanId, producer.spanContext().spanId);
    assert.equal(consumer.kind, SpanKind.CONSUMER);
    assert.equal(captionPublish.parentSpanContext?.spanId, consumer.spanContext().spanId);
    assert.equal(traceIdOf(caption.headers), traceId, 'the caption message carries the same trace');
    assert.match(caption.headers?.get('traceparent') ?? '', /^00-[0-9a-f]{32}-[0-9a-f]{16}-01$/);

    const line = logLines.find((l) => l['msg'] === 'frame received');
    assert.equal(line?.['trace_id'], traceId, 'log lines written inside the span carry its trace id');
    assert.equal(line?.['span_id'], consumer.spanContext().spanId);
  } finally {
    await nc.close();
  }
});

test('a message without trace headers starts a fresh trace at the consumer', async () => {
  const exporter = new InMemorySpanExporter();
  await using tracing = setupTracing({ serviceName: 'telemetry-test', exporter });
  await using nats = await startTestNats();
  const nc = await connect({ servers: nats.url });
  try {
    const received: string[] = [];
    nc.subscribe('plain', { callback: (_e, msg) => void withConsumeSpan(tracing.tracer, msg, (span) => void received.push(span.spanContext().traceId)) });
    await nc.flush();
    nc.publish('plain', 'no headers');
    const traceId = await waitFor('the message', async () => received[0], { timeoutMs: 5000 });
    const [span] = exporter.getFinishedSpans();
    assert.equal(span?.spanContext().traceId, traceId);
    assert.equal(span?.parentSpanContext, undefined, 'no parent when the message carried no context');
  } finally {
    await nc.close();
  }
});
