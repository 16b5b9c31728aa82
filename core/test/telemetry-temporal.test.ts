import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { fileURLToPath } from 'node:url';
import { Client, Connection } from '@temporalio/client';
import { NativeConnection, Worker } from '@temporalio/worker';
import { InMemorySpanExporter } from '@opentelemetry/sdk-trace-base';
import { quietTemporalRuntime, startTestTemporal, type TestTemporal } from '@signflow/testkit';
import { waitFor } from '@signflow/stack';
import { setupTracing, type Tracing } from '../src/index.js';
import { temporalClientInterceptors, temporalWorkerTracing } from '../src/telemetry/temporal.js';
import { createActivities } from './telemetry-temporal/activities.js';
import type { tracedWorkflow } from './telemetry-temporal/workflows.js';

let temporal: TestTemporal;
before(async () => {
  quietTemporalRuntime();
  temporal = await startTestTemporal();
});
after(async () => temporal[Symbol.asyncDispose]());

/** Runs tracedWorkflow under a `submit run` span with the worker and client wired for `tracing`. */
async function submitTraced(tracing: Tracing, taskQueue: string): Promise<{ result: string; traceId: string }> {
  const workerConnection = await NativeConnection.connect({ address: temporal.address });
  const workerTracing = temporalWorkerTracing(tracing);
  const worker = await Worker.create({
    connection: workerConnection,
    namespace: temporal.namespace,
    taskQueue,
    workflowsPath: fileURLToPath(new URL('./telemetry-temporal/workflows.ts', import.meta.url)),
    activities: createActivities(),
    interceptors: workerTracing.interceptors,
    sinks: workerTracing.sinks,
  });
  const connection = await Connection.connect({ address: temporal.address });
  try {
    const client = new Client({ connection, namespace: temporal.namespace, interceptors: { workflow: temporalClientInterceptors(tracing) } });
    return await tracing.tracer.startActiveSpan('submit run', async (span) => {
      try {
        const out = await worker.runUntil(client.workflow.execute<typeof tracedWorkflow>('tracedWorkflow', { taskQueue, workflowId: `traced-${Date.now()}`, args: ['step'] }));
        return { result: out, traceId: span.spanContext().traceId };
      } finally {
        span.end();
      }
    });
  } finally {
    await connection.close();
    await workerConnection.close();
  }
}

test('a run submitted under a span is traced through the Temporal workflow into its activity', { timeout: 120_000 }, async () => {
  const exporter = new InMemorySpanExporter();
  await using tracing = setupTracing({ serviceName: 'temporal-trace-test', exporter });
  const { result, traceId } = await submitTraced(tracing, 'traced');
  assert.equal(result, `step:${traceId}`, 'the activity ran inside the submitter’s trace');
  const spans = await waitFor('workflow spans from the sink', async () => {
    const all = exporter.getFinishedSpans();
    return all.some((s) => s.name.startsWith('RunWorkflow')) ? all : undefined;
  }, { timeoutMs: 10_000 });
  const names = spans.map((s) => s.name);
  const start = spans.find((s) => s.name.startsWith('StartWorkflow:tracedWorkflow'));
  const workflow = spans.find((s) => s.name.startsWith('RunWorkflow:tracedWorkflow'));
  assert.ok(start && workflow, names.join(', '));
  assert.ok(names.some((n) => n.startsWith('RunActivity:traced')), names.join(', '));
  for (const s of spans) assert.equal(s.spanContext().traceId, traceId, `${s.name} is in the same trace`);
  // Spans from the workflow isolate (SDK 1.x shape) reach the 2.x processor with their parent and scope.
  assert.equal(workflow.parentSpanContext?.spanId, start.spanContext().spanId, 'the workflow span keeps its parent');
  assert.ok(workflow.instrumentationScope.name, 'the workflow span has an instrumentation scope');
});

test('workflow spans leave through the OTLP exporter (OTEL_EXPORTER_OTLP_ENDPOINT) with the client and activity spans', { timeout: 120_000 }, async () => {
  const bodies: Buffer[] = [];
  const collector = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      bodies.push(Buffer.concat(chunks));
      res.writeHead(200, { 'content-type': 'application/x-protobuf' }).end();
    });
  });
  await new Promise<void>((resolve) => collector.listen(0, '127.0.0.1', resolve));
  try {
    const { port } = collector.address() as AddressInfo;
    const tracing = setupTracing({ serviceName: 'temporal-otlp-test', env: { OTEL_EXPORTER_OTLP_ENDPOINT: `http://127.0.0.1:${port}` } });
    const { traceId } = await submitTraced(tracing, 'traced-otlp');
    await tracing.flush();
    await tracing.shutdown();
    const payload = Buffer.concat(bodies).toString('latin1');
    for (const name of ['submit run', 'StartWorkflow:tracedWorkflow', 'RunWorkflow:tracedWorkflow', 'RunActivity:traced']) {
      assert.ok(payload.includes(name), `${name} was exported over OTLP`);
    }
    assert.ok(Buffer.concat(bodies).includes(Buffer.from(traceId, 'hex')), 'with the run’s trace id');
  } finally {
    collector.closeAllConnections();
    await new Promise<void>((resolve) => collector.close(() => resolve()));
  }
});
