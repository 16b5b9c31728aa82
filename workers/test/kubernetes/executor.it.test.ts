import { test } from 'node:test';
import assert from 'node:assert/strict';
import { BatchV1Api, CoreV1Api, ResourceV1Api, type V1Pod } from '@kubernetes/client-node';
import type { StepLaunch } from '@signflow/pipelines';
import { waitFor } from '@signflow/testkit';
import { KubernetesApiError, KubernetesExecutor, KubernetesStepCancelledError } from '../../src/executors/kubernetes/index.js';
import { startTestCluster } from '../k8s-harness/index.js';
import { recordingContext } from './context.js';

// One control plane for the whole file (a few seconds to start); each test has its own namespace.
await using cluster = await startTestCluster({ gpus: 4 });
const kc = cluster.kubeConfig();
const core = kc.makeApiClient(CoreV1Api);
const batch = kc.makeApiClient(BatchV1Api);
const resource = kc.makeApiClient(ResourceV1Api);

let counter = 0;
function launch(overrides: Partial<StepLaunch> = {}, sim: Record<string, string> = {}): StepLaunch {
  counter += 1;
  return {
    runId: `run-${counter}`,
    stepId: 'extract',
    attempt: 1,
    image: 'ghcr.io/signflow/signflow:test',
    command: ['node', 'step.js'],
    env: { SIGNFLOW_RUN_ID: `run-${counter}`, ...sim },
    resources: { cpu: '250m', memory: '256Mi' },
    ...overrides,
  };
}

async function executorIn(options: Record<string, unknown> = {}): Promise<{ executor: KubernetesExecutor; namespace: string } & AsyncDisposable> {
  const namespace = await cluster.createNamespace();
  const executor = new KubernetesExecutor({ namespace, defaultImage: 'unused', heartbeatIntervalMs: 200, ...options }, { kubeConfig: kc });
  return { executor, namespace, [Symbol.asyncDispose]: () => executor.close() };
}

/** The name of the (latest) Job the executor made for a run. */
async function jobOf(namespace: string, runId: string): Promise<string> {
  const jobs = (await batch.listNamespacedJob({ namespace, labelSelector: `signflow.dev/run=${runId}` })).items;
  jobs.sort((a, b) => (a.metadata?.creationTimestamp?.getTime() ?? 0) - (b.metadata?.creationTimestamp?.getTime() ?? 0));
  const name = jobs.at(-1)?.metadata?.name;
  assert.ok(name, `no Job for run ${runId}`);
  return name;
}

async function podsOf(namespace: string, job: string): Promise<V1Pod[]> {
  return (await core.listNamespacedPod({ namespace, labelSelector: `signflow.dev/job=${job}` })).items;
}

await test('a CPU step runs as a Job to Succeeded; outputs come from the termination message, logs from the pod', async () => {
  await using env = await executorIn();
  await cluster.writeContainerLog(['epoch 1 loss 0.9', 'epoch 2 loss 0.4']);
  const ctx = recordingContext();
  const outputs = JSON.stringify({ parameters: { accuracy: 0.93 }, artifacts: {} });
  const step = launch({}, { SIGNFLOW_SIM_OUTPUTS: outputs, SIGNFLOW_SIM_RUN_FOR: '300ms' });
  const outcome = await env.executor.run(step, ctx);
  assert.deepEqual(outcome, { status: 'succeeded', exitCode: 0, outputsJson: outputs });
  assert.equal(ctx.log(), 'epoch 1 loss 0.9\nepoch 2 loss 0.4\n');
  const name = await jobOf(env.namespace, step.runId);
  assert.match(name, /^sf-extract-[0-9a-f]{10}-[0-9a-f]{6}$/);
  const job = await batch.readNamespacedJob({ name, namespace: env.namespace });
  assert.equal(job.spec?.backoffLimit, 0);
  assert.equal(job.metadata?.labels?.['signflow.dev/run'], step.runId);
  assert.equal(job.metadata?.labels?.['signflow.dev/step'], 'extract');
  // The executor answers from the pod; the Job controller marks the Job Complete on its own time.
  await waitFor(
    'the Job Complete',
    async () => ((await batch.readNamespacedJob({ name, namespace: env.namespace })).status?.conditions?.some((c) => c.type === 'Complete' && c.status === 'True') ? true : undefined),
    { timeoutMs: 20_000 },
  );
  const [pod] = await podsOf(env.namespace, name);
  assert.equal(pod?.spec?.nodeName, cluster.nodes.cpu);
  assert.equal(pod?.metadata?.ownerReferences?.[0]?.kind, 'Job');
  assert.equal(pod?.metadata?.ownerReferences?.[0]?.name, name);
  const states = ctx.heartbeats.map((h) => h['state']);
  assert.ok(states.includes('Running'), `heartbeats: ${JSON.stringify(states)}`);
});

await test('a counted GPU step is scheduled on the GPU node with an nvidia.com/gpu limit', async () => {
  await using env = await executorIn({ gpuNodeSelector: { 'signflow.dev/pool': 'gpu' } });
  const step = launch({ resources: { cpu: '1', memory: '1Gi', gpu: { kind: 'count', count: 2 } } });
  const outcome = await env.executor.run(step, recordingContext());
  assert.equal(outcome.status, 'succeeded');
  const [pod] = await podsOf(env.namespace, await jobOf(env.namespace, step.runId));
  assert.equal(pod?.spec?.nodeName, cluster.nodes.gpu);
  assert.equal(pod?.spec?.containers[0]?.resources?.limits?.['nvidia.com/gpu'], '2');
});

await test('a DRA GPU step gets a claim from its ResourceClaimTemplate, allocated a device matching its selector', async () => {
  await using env = await executorIn();
  const selector = 'device.attributes["gpu.nvidia.com"].productName == "NVIDIA L4"';
  const step = launch({ resources: { gpu: { kind: 'dra', deviceClassName: cluster.deviceClass, count: 1, selectors: [selector] } } }, { SIGNFLOW_SIM_RUN_FOR: '2s' });
  const run = env.executor.run(step, recordingContext());
  // While it runs: the template is owned by the Job, and the pod's claim is allocated on the GPU node.
  const claim = await waitFor(
    'an allocated ResourceClaim',
    async () => {
      const claims = await resource.listNamespacedResourceClaim({ namespace: env.namespace });
      return claims.items.find((c) => c.status?.allocation);
    },
    { timeoutMs: 20_000 },
  );
  const devices = claim.status?.allocation?.devices?.results ?? [];
  assert.equal(devices.length, 1);
  assert.equal(devices[0]?.driver, cluster.deviceClass);
  assert.match(devices[0]?.device ?? '', /^gpu-[13]$/, 'only the odd devices are L4s');
  const name = await jobOf(env.namespace, step.runId);
  const template = await resource.readNamespacedResourceClaimTemplate({ name: `${name}-gpu`, namespace: env.namespace });
  assert.equal(template.metadata?.ownerReferences?.[0]?.kind, 'Job');
  assert.equal(template.spec.spec?.devices?.requests?.[0]?.exactly?.deviceClassName, cluster.deviceClass);
  const outcome = await run;
  assert.equal(outcome.status, 'succeeded');
  const [pod] = await podsOf(env.namespace, name);
  assert.equal(pod?.spec?.nodeName, cluster.nodes.gpu);
  assert.deepEqual(pod?.spec?.containers[0]?.resources?.claims?.map((c) => c.name), ['gpu']);
});

await test('a non-zero exit is a failure, not retryable unless its code is listed', async () => {
  await using env = await executorIn({ retry: { retryableExitCodes: [75] } });
  const outcome = await env.executor.run(launch({}, { SIGNFLOW_SIM_OUTCOME: 'fail', SIGNFLOW_SIM_EXIT_CODE: '3' }), recordingContext());
  assert.equal(outcome.status, 'failed');
  assert.equal(outcome.status === 'failed' && outcome.exitCode, 3);
  assert.equal(outcome.status === 'failed' && outcome.retryable, false);
  assert.match(outcome.status === 'failed' ? outcome.reason : '', /exited with code 3/);
  const transient = await env.executor.run(launch({}, { SIGNFLOW_SIM_OUTCOME: 'fail', SIGNFLOW_SIM_EXIT_CODE: '75' }), recordingContext());
  assert.equal(transient.status === 'failed' && transient.retryable, true);
});

await test('an evicted pod is retryable by default and not when the policy says so; an OOM-kill is not', async () => {
  await using env = await executorIn();
  const evicted = await env.executor.run(launch({}, { SIGNFLOW_SIM_OUTCOME: 'evict' }), recordingContext());
  assert.equal(evicted.status, 'failed');
  assert.equal(evicted.status === 'failed' && evicted.retryable, true);
  assert.match(evicted.status === 'failed' ? evicted.reason : '', /evicted or preempted: The node was low on resource: memory/);
  const oom = await env.executor.run(launch({}, { SIGNFLOW_SIM_OUTCOME: 'oom' }), recordingContext());
  assert.equal(oom.status === 'failed' && oom.retryable, false);
  assert.match(oom.status === 'failed' ? oom.reason : '', /OOM-killed \(memory limit 256Mi\)/);
  await using strict = await executorIn({ retry: { evicted: false } });
  const notRetried = await strict.executor.run(launch({}, { SIGNFLOW_SIM_OUTCOME: 'evict' }), recordingContext());
  assert.equal(notRetried.status === 'failed' && notRetried.retryable, false);
});

await test('an image that cannot be pulled fails fast with a clear message, and its Job is removed', async () => {
  await using env = await executorIn();
  const started = Date.now();
  const step = launch({ image: 'registry.example/signflow/missing:0.0.0' }, { SIGNFLOW_SIM_OUTCOME: 'image-pull' });
  const outcome = await env.executor.run(step, recordingContext());
  assert.ok(Date.now() - started < 15_000);
  assert.equal(outcome.status, 'failed');
  assert.equal(outcome.status === 'failed' && outcome.retryable, false);
  assert.match(outcome.status === 'failed' ? outcome.reason : '', /image registry\.example\/signflow\/missing:0\.0\.0 cannot be pulled \(ErrImagePull.*check the image name and tag/);
  const ofRun = { namespace: env.namespace, labelSelector: `signflow.dev/run=${step.runId}` };
  await waitFor('the Job and its pod gone', async () => ((await batch.listNamespacedJob(ofRun)).items.length + (await core.listNamespacedPod(ofRun)).items.length === 0 ? true : undefined), { timeoutMs: 20_000 });
  // With a grace period, the failure waits it out even when the pod's status no longer changes.
  await using patient = await executorIn({ imagePullGraceMs: 1500 });
  const waited = Date.now();
  const late = await patient.executor.run(launch({ image: 'registry.example/signflow/missing:0.0.0' }, { SIGNFLOW_SIM_OUTCOME: 'image-pull' }), recordingContext());
  assert.equal(late.status, 'failed');
  assert.ok(Date.now() - waited >= 1500);
});

await test('logs stream while the step runs and are kept after its pod is deleted', async () => {
  await using env = await executorIn();
  await cluster.writeContainerLog(['starting']);
  const ctx = recordingContext();
  const step = launch({}, { SIGNFLOW_SIM_RUN_FOR: '4s' });
  const run = env.executor.run(step, ctx);
  await waitFor('the first line in the sink', async () => (ctx.log().includes('starting') ? true : undefined), { timeoutMs: 20_000 });
  await cluster.appendContainerLog(['halfway']);
  await waitFor('an appended line in the sink while running', async () => (ctx.log().includes('halfway') ? true : undefined), { timeoutMs: 3_000 });
  assert.equal((await run).status, 'succeeded');
  const name = await jobOf(env.namespace, step.runId);
  await batch.deleteNamespacedJob({ name, namespace: env.namespace, propagationPolicy: 'Foreground' });
  await waitFor('pods deleted', async () => ((await podsOf(env.namespace, name)).length === 0 ? true : undefined), { timeoutMs: 20_000 });
  assert.equal(ctx.log(), 'starting\nhalfway\n');
});

await test('cancelling a running step deletes its Job, pods and claim template, then rejects', async () => {
  await using env = await executorIn();
  const abort = new AbortController();
  const ctx = recordingContext(abort.signal);
  const step = launch({ resources: { gpu: { kind: 'dra', deviceClassName: cluster.deviceClass, count: 1 } } }, { SIGNFLOW_SIM_RUN_FOR: '10m' });
  const run = env.executor.run(step, ctx);
  await waitFor('the step running', async () => (ctx.heartbeats.some((h) => h['state'] === 'Running') ? true : undefined), { timeoutMs: 20_000 });
  const name = await jobOf(env.namespace, step.runId);
  abort.abort();
  await assert.rejects(run, (err: unknown) => err instanceof Error && (err.name === 'AbortError' || err instanceof KubernetesStepCancelledError));
  assert.equal((await batch.listNamespacedJob({ namespace: env.namespace })).items.length, 0);
  assert.equal((await podsOf(env.namespace, name)).length, 0);
  assert.equal((await resource.listNamespacedResourceClaimTemplate({ namespace: env.namespace })).items.length, 0);
});

await test('a step over its timeout fails without retry', async () => {
  await using env = await executorIn();
  const outcome = await env.executor.run(launch({ timeoutMs: 1500 }, { SIGNFLOW_SIM_RUN_FOR: '10m' }), recordingContext());
  assert.equal(outcome.status, 'failed');
  assert.equal(outcome.status === 'failed' && outcome.retryable, false);
  assert.match(outcome.status === 'failed' ? outcome.reason : '', /exceeded its timeout of 2s/);
});

await test('a retried try of a step (same attempt, as Temporal retries) deletes the unfinished Job its earlier try left', async () => {
  await using env = await executorIn();
  const first = launch({}, { SIGNFLOW_SIM_RUN_FOR: '10m' });
  const abandoned = new AbortController();
  // The first attempt's worker "dies": its run is never awaited to the end, its Job keeps running.
  const firstRun = env.executor.run(first, recordingContext(abandoned.signal)).catch(() => undefined);
  const firstName = await waitFor('the first Job', () => jobOf(env.namespace, first.runId), { timeoutMs: 10_000 });
  await waitFor('the first attempt running', async () => ((await podsOf(env.namespace, firstName)).some((p) => p.status?.phase === 'Running') ? true : undefined), { timeoutMs: 20_000 });
  const outcome = await env.executor.run({ ...first, env: { ...first.env, SIGNFLOW_SIM_RUN_FOR: '0s' } }, recordingContext());
  assert.equal(outcome.status, 'succeeded');
  await waitFor('the first attempt gone', async () => ((await batch.listNamespacedJob({ namespace: env.namespace })).items.some((j) => j.metadata?.name === firstName) ? undefined : true), { timeoutMs: 20_000 });
  abandoned.abort();
  await firstRun;
});

await test('a Job the API server refuses is an executor fault naming the action, and leaves no claim template behind', async () => {
  await using env = await executorIn();
  const step = launch({ placement: { nodeSelector: { 'not a label key!': 'x' } }, resources: { gpu: { kind: 'dra', deviceClassName: cluster.deviceClass, count: 1 } } });
  await assert.rejects(env.executor.run(step, recordingContext()), (err: unknown) => err instanceof KubernetesApiError && err.status === 422 && /create Job sf-extract-/.test(err.message));
  assert.equal((await resource.listNamespacedResourceClaimTemplate({ namespace: env.namespace })).items.length, 0);
});
