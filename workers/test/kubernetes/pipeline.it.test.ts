import { test } from 'node:test';
import assert from 'node:assert/strict';
import { z } from 'zod';
import { BatchV1Api, CoreV1Api, type V1Job } from '@kubernetes/client-node';
import { component, pipeline } from '@signflow/pipelines';
import { waitFor } from '@signflow/testkit';
import { KubernetesExecutor } from '../../src/executors/kubernetes/index.js';
import { createPipelineWorker } from '../../src/worker/worker.js';
import { startHarness, workflowBundle } from '../helpers/harness.js';
import { startTestCluster } from '../k8s-harness/index.js';

// Acceptance: the run workflow on real Temporal, its steps as Jobs on the test control plane.
await using cluster = await startTestCluster({ gpus: 4 });
const kc = cluster.kubeConfig();
const core = kc.makeApiClient(CoreV1Api);
const batch = kc.makeApiClient(BatchV1Api);
const namespace = await cluster.createNamespace('signflow-runs');
await using h = await startHarness({ worker: false });
await using executor = new KubernetesExecutor({ namespace, defaultImage: 'ghcr.io/signflow/signflow:test', heartbeatIntervalMs: 500 }, { kubeConfig: kc });
const worker = await createPipelineWorker({ temporalAddress: h.temporal.address, namespace: h.temporal.namespace, dataDir: h.dataDir, taskQueue: h.taskQueue, workflowBundle: await workflowBundle(), executor });
const running = worker.run();

const sim = (outputs: Record<string, unknown>, runFor: string) => ({ SIGNFLOW_SIM_OUTPUTS: JSON.stringify({ parameters: outputs }), SIGNFLOW_SIM_RUN_FOR: runFor });
const extract = component({ name: 'extract-landmarks', outputs: { frames: z.number() }, run: { step: 'extract' }, env: sim({ frames: 240 }, '200ms'), resources: { cpu: '500m', memory: '512Mi' }, caching: false });
const train = component({
  name: 'train',
  inputs: { frames: z.number() },
  outputs: { accuracy: z.number() },
  run: { step: 'train' },
  env: sim({ accuracy: 0.91 }, '2s'),
  resources: { cpu: 2, memory: '4Gi', gpu: { deviceClass: cluster.deviceClass, selectors: ['device.attributes["gpu.nvidia.com"].productName == "NVIDIA L4"'] } },
  caching: false,
});
const evaluate = component({ name: 'evaluate', inputs: { accuracy: z.number() }, outputs: { passed: z.boolean() }, run: { step: 'evaluate' }, env: sim({ passed: true }, '200ms'), resources: { gpu: 1 }, caching: false });
const signRecognition = pipeline({
  name: 'sign-recognition',
  build: (_p, b) => {
    const frames = b.task(extract, {}).outputs.frames;
    const accuracy = b.task(train, { frames }).outputs.accuracy;
    return { passed: b.task(evaluate, { accuracy }).outputs.passed };
  },
});

async function jobsOfStep(step: string): Promise<V1Job[]> {
  return (await batch.listNamespacedJob({ namespace })).items.filter((j) => j.metadata?.annotations?.['signflow.dev/step-id']?.startsWith(step));
}

await test('sign-recognition runs with the kubernetes executor: GPU and DRA Jobs, an evicted pod retried, logs kept after the pods are gone', async () => {
  await cluster.writeContainerLog(['signflow step output']);
  const { runId } = await h.service.submit({ spec: signRecognition.compile(), parameters: {} });
  // Drain the node under the first try of `train`, as a cluster operator would.
  const firstTrain = await waitFor(
    'train running',
    async () => (await core.listNamespacedPod({ namespace })).items.find((p) => p.metadata?.annotations?.['signflow.dev/step-id']?.startsWith('train') && p.status?.phase === 'Running'),
    { timeoutMs: 60_000 },
  );
  await core.createNamespacedPodEviction({ name: firstTrain.metadata?.name ?? '', namespace, body: { metadata: { name: firstTrain.metadata?.name, namespace } } });

  const run = await h.waitForRun(runId, ['succeeded', 'failed'], 120_000);
  assert.equal(run.status, 'succeeded', run.error ?? '');
  assert.deepEqual(run.outputs['passed'], { kind: 'parameter', value: true });

  const [extractJob] = await jobsOfStep('extract');
  const extractPod = extractJob?.spec?.template.spec;
  assert.equal(extractPod?.resourceClaims, undefined);
  assert.equal(extractPod?.containers[0]?.resources?.limits?.['nvidia.com/gpu'], undefined);
  const trainJobs = await jobsOfStep('train');
  assert.equal(trainJobs.length, 2, 'the evicted try and its retry');
  for (const job of trainJobs) {
    assert.equal(job.spec?.backoffLimit, 0);
    assert.equal(job.spec?.template.spec?.resourceClaims?.[0]?.resourceClaimTemplateName, `${job.metadata?.name}-gpu`);
  }
  const [evaluateJob] = await jobsOfStep('evaluate');
  assert.equal(evaluateJob?.spec?.template.spec?.containers[0]?.resources?.limits?.['nvidia.com/gpu'], '1');
  assert.equal(evaluateJob?.spec?.template.spec?.nodeSelector?.['signflow.dev/pool'], undefined);

  // Logs outlive the pods: delete every Job (foreground) and read the step's log from the store.
  for (const job of (await batch.listNamespacedJob({ namespace })).items) {
    await batch.deleteNamespacedJob({ name: job.metadata?.name ?? '', namespace, propagationPolicy: 'Foreground' });
  }
  await waitFor('pods gone', async () => ((await core.listNamespacedPod({ namespace })).items.length === 0 ? true : undefined), { timeoutMs: 30_000 });
  assert.match((await h.service.stepLogs(runId, 'extract-landmarks')).text, /signflow step output/);
  assert.match((await h.service.stepLogs(runId, 'train')).text, /signflow step output/);
});

await test('cancelling a run deletes its running Job and pod', async () => {
  const slow = component({ name: 'slow', outputs: { done: z.boolean() }, run: { step: 'slow' }, env: sim({ done: true }, '10m'), caching: false });
  const { runId } = await h.service.submit({ spec: pipeline({ name: 'slow', build: (_p, b) => ({ done: b.task(slow, {}).outputs.done }) }).compile(), parameters: {} });
  const ofRun = { labelSelector: `signflow.dev/run=${runId}` };
  await waitFor('slow running', async () => ((await core.listNamespacedPod({ namespace, ...ofRun })).items.some((p) => p.status?.phase === 'Running') ? true : undefined), { timeoutMs: 60_000 });
  await h.service.cancel(runId);
  const run = await h.waitForRun(runId, ['cancelled', 'failed', 'succeeded'], 60_000);
  assert.equal(run.status, 'cancelled');
  await waitFor(
    'Jobs and pods gone',
    async () => ((await batch.listNamespacedJob({ namespace, ...ofRun })).items.length + (await core.listNamespacedPod({ namespace, ...ofRun })).items.length === 0 ? true : undefined),
    { timeoutMs: 30_000 },
  );
});

await worker.shutdown();
await running;
