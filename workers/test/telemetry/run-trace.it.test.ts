import { test } from 'node:test';
import assert from 'node:assert/strict';
import { z } from 'zod';
import { InMemorySpanExporter } from '@opentelemetry/sdk-trace-base';
import { component, pipeline } from '@signflow/pipelines';
import { loadConfig, processMetricsRegistry, setupTracing, startMetricsServer, TokenStore, withSpan } from '@signflow/core';
import { PipelinesClient } from '@signflow/pipelines/api-client';
import { startApiServer } from '@signflow/pipelines/api';
import { waitFor } from '@signflow/testkit';
import { startHarness } from '../helpers/harness.js';

// The step process reports the TRACEPARENT it was started with as an output parameter.
const echoTrace = component({
  name: 'echo-trace',
  outputs: { traceparent: z.string() },
  run: { command: ['sh', '-c', 'printf \'{"parameters":{"traceparent":"%s"}}\' "$TRACEPARENT" > "$SIGNFLOW_STEP_OUTPUTS"'] },
  caching: false,
});
const traced = pipeline({ name: 'trace-env', build: (_p, b) => ({ traceparent: b.task(echoTrace, {}, { name: 'echo' }).outputs.traceparent }) });

test('one trace from a client’s run submit through the API, StartWorkflow, the workflow and the step activity into the step process; step metrics on /metrics', { timeout: 120_000 }, async () => {
  const exporter = new InMemorySpanExporter();
  await using tracing = setupTracing({ serviceName: 'run-trace-test', exporter });
  await using h = await startHarness();
  // The real API (its Temporal client wired with the tracing interceptors) and an operator token.
  const config = loadConfig({ env: {}, overrides: { dataDir: h.dataDir, api: { port: 0 }, temporal: { namespace: h.temporal.namespace } } }).config;
  const api = await startApiServer({ config, temporalAddress: h.temporal.address, taskQueue: h.taskQueue });
  let submitted: { runId: string; callerSpanId: string };
  try {
    const token = (await new TokenStore(config.dataDir).create({ name: 'trace-test', role: 'operator' })).token;
    const client = new PipelinesClient(api.url, { token });
    // The caller's span (`signflow run submit`): its traceparent goes out with the HTTP request.
    submitted = await withSpan(tracing.tracer, 'signflow run submit', {}, async (span) => ({ ...(await client.submit({ spec: traced.compile() })), callerSpanId: span.spanContext().spanId }));
  } finally {
    await api.close();
  }
  const { runId, callerSpanId } = submitted;
  const run = await h.waitForRun(runId, ['succeeded', 'failed']);
  assert.equal(run.status, 'succeeded', run.error ?? '');

  const spans = await waitFor('the workflow span from the worker sink', async () => {
    const all = exporter.getFinishedSpans();
    return all.some((s) => s.name === 'RunWorkflow:pipelineRun') && all.some((s) => s.name === 'RunActivity:runStep') ? all : undefined;
  }, { timeoutMs: 10_000 });
  const byName = (name: string) => spans.filter((s) => s.name === name);
  const [submit] = byName('submit run trace-env');
  assert.ok(submit, `spans: ${spans.map((s) => s.name).join(', ')}`);
  const traceId = submit.spanContext().traceId;
  assert.equal(submit.parentSpanContext?.spanId, callerSpanId, 'the API continued the caller’s trace (traceparent header)');
  const [start] = byName('StartWorkflow:pipelineRun');
  assert.equal(start?.parentSpanContext?.spanId, submit.spanContext().spanId, 'StartWorkflow is a child of the submit span');
  const [workflow] = byName('RunWorkflow:pipelineRun');
  assert.equal(workflow?.parentSpanContext?.spanId, start?.spanContext().spanId, 'the workflow span (from the isolate) keeps its parent');
  assert.equal(workflow?.instrumentationScope.name !== undefined, true, 'workflow spans carry an instrumentation scope (OTLP needs it)');
  const stepActivity = byName('RunActivity:runStep');
  assert.equal(stepActivity.length, 1);
  for (const s of [start, workflow, ...byName('StartActivity:runStep'), ...stepActivity]) assert.equal(s?.spanContext().traceId, traceId, `${s?.name} in the submit trace`);

  // The step process saw the step activity's span as TRACEPARENT.
  const seen = run.steps.find((s) => s.stepPath === 'echo')?.outputs['traceparent'];
  assert.deepEqual(seen, { kind: 'parameter', value: `00-${traceId}-${stepActivity[0]?.spanContext().spanId}-01` });

  // The worker recorded the step on the process registry.
  await using metrics = await startMetricsServer({ registry: processMetricsRegistry(), port: 0 });
  const body = await (await fetch(metrics.url)).text();
  assert.match(body, /^signflow_step_duration_seconds_count\{[^}]*pipeline="trace-env",step="echo",status="succeeded"\} 1$/m);
  assert.match(body, /^signflow_steps_running\{[^}]*pipeline="trace-env"[^}]*\} 0$/m);
});
