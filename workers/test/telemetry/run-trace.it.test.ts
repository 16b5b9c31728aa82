import { test } from 'node:test';
import assert from 'node:assert/strict';
import { z } from 'zod';
import { InMemorySpanExporter } from '@opentelemetry/sdk-trace-base';
import { component, pipeline } from '@signflow/pipelines';
import { processMetricsRegistry, setupTracing, startMetricsServer } from '@signflow/core';
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

test('one trace from run submit through StartWorkflow, the workflow and the step activity into the step process; step metrics on /metrics', { timeout: 120_000 }, async () => {
  const exporter = new InMemorySpanExporter();
  await using _tracing = setupTracing({ serviceName: 'run-trace-test', exporter });
  await using h = await startHarness();
  const { runId } = await h.service.submit({ spec: traced.compile() });
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
