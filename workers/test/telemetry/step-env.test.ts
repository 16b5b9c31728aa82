import { test } from 'node:test';
import assert from 'node:assert/strict';
import { InMemorySpanExporter } from '@opentelemetry/sdk-trace-base';
import { setupTracing, traceEnv, withSpan } from '@signflow/core';
import { buildStepObjects, parseKubernetesExecutorOptions } from '../../src/executors/kubernetes/index.js';

test('the Kubernetes executor puts the step activity’s TRACEPARENT into the Job’s container env', async () => {
  await using tracing = setupTracing({ serviceName: 'step-env-test', exporter: new InMemorySpanExporter() });
  const options = parseKubernetesExecutorOptions({ namespace: 'signflow-runs', defaultImage: 'ghcr.io/signflow/signflow:0.1.0', serviceAccountName: 'signflow-step' });
  // As the step activity builds launch.env inside its RunActivity span.
  const { job, traceparent } = await withSpan(tracing.tracer, 'RunActivity:runStep', {}, (span) => {
    const env = { SIGNFLOW_RUN_ID: 'run-1', ...traceEnv() };
    const objects = buildStepObjects({ runId: 'run-1', stepId: 'train', attempt: 1, command: ['signflow-step', 'train'], env, resources: {} }, options);
    return { job: objects.job, traceparent: `00-${span.spanContext().traceId}-${span.spanContext().spanId}-01` };
  });
  const env = job.spec?.template.spec?.containers[0]?.env ?? [];
  assert.equal(env.find((e) => e.name === 'TRACEPARENT')?.value, traceparent);
});
