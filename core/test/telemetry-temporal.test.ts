import { test } from 'node:test';
import assert from 'node:assert/strict';
import { fileURLToPath } from 'node:url';
import { Client, Connection } from '@temporalio/client';
import { NativeConnection, Worker } from '@temporalio/worker';
import { InMemorySpanExporter } from '@opentelemetry/sdk-trace-base';
import { quietTemporalRuntime, startTestTemporal } from '@signflow/testkit';
import { waitFor } from '@signflow/stack';
import { setupTracing } from '../src/index.js';
import { temporalClientInterceptors, temporalWorkerTracing } from '../src/telemetry/temporal.js';
import { createActivities } from './telemetry-temporal/activities.js';
import type { tracedWorkflow } from './telemetry-temporal/workflows.js';

test('a run submitted under a span is traced through the Temporal workflow into its activity', { timeout: 120_000 }, async () => {
  quietTemporalRuntime();
  const exporter = new InMemorySpanExporter();
  await using tracing = setupTracing({ serviceName: 'temporal-trace-test', exporter });
  await using temporal = await startTestTemporal();
  const workerConnection = await NativeConnection.connect({ address: temporal.address });
  const workerTracing = temporalWorkerTracing(tracing);
  const worker = await Worker.create({
    connection: workerConnection,
    namespace: temporal.namespace,
    taskQueue: 'traced',
    workflowsPath: fileURLToPath(new URL('./telemetry-temporal/workflows.ts', import.meta.url)),
    activities: createActivities(),
    interceptors: workerTracing.interceptors,
    sinks: workerTracing.sinks,
  });
  const connection = await Connection.connect({ address: temporal.address });
  try {
    const client = new Client({ connection, namespace: temporal.namespace, interceptors: { workflow: temporalClientInterceptors(tracing) } });
    const { result, traceId } = await tracing.tracer.startActiveSpan('submit run', async (span) => {
      try {
        const out = await worker.runUntil(client.workflow.execute<typeof tracedWorkflow>('tracedWorkflow', { taskQueue: 'traced', workflowId: `traced-${Date.now()}`, args: ['step'] }));
        return { result: out, traceId: span.spanContext().traceId };
      } finally {
        span.end();
      }
    });
    assert.equal(result, `step:${traceId}`, 'the activity ran inside the submitter’s trace');
    const spans = await waitFor('workflow spans from the sink', async () => {
      const all = exporter.getFinishedSpans();
      return all.some((s) => s.name.startsWith('RunWorkflow')) ? all : undefined;
    }, { timeoutMs: 10_000 });
    const names = spans.map((s) => s.name);
    assert.ok(names.some((n) => n.startsWith('StartWorkflow:tracedWorkflow')), names.join(', '));
    assert.ok(names.some((n) => n.startsWith('RunActivity:traced')), names.join(', '));
    for (const s of spans) assert.equal(s.spanContext().traceId, traceId, `${s.name} is in the same trace`);
  } finally {
    await connection.close();
    await workerConnection.close();
  }
});
