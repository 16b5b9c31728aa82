import { test } from 'node:test';
import assert from 'node:assert/strict';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { BatchV1Api, CoreV1Api, ResourceV1Api, type V1Job, type V1Pod } from '@kubernetes/client-node';
import { pipelinesDataPaths, signRecognition } from '@signflow/pipelines';
import { repoRoot } from '@signflow/stack';
import { fixture, waitFor } from '@signflow/testkit';
import { KubernetesExecutor } from '../../src/executors/kubernetes/index.js';
import { createPipelineWorker } from '../../src/worker/worker.js';
import { startHarness, workflowBundle } from '../helpers/harness.js';
import { recordingContext } from './context.js';
import { PROCESS_OUTCOME, startProcessKubelet, startTestCluster } from '../k8s-harness/index.js';

// Acceptance: the catalog sign-recognition pipeline on real Temporal, each step a Job on the test
// control plane whose container the process kubelet really runs (signflow-step on MSL-150).
const stepEntry = fileURLToPath(new URL('./fixtures/step-entry.ts', import.meta.url));
await using cluster = await startTestCluster({ gpus: 4 });
const kc = cluster.kubeConfig();
const core = kc.makeApiClient(CoreV1Api);
const batch = kc.makeApiClient(BatchV1Api);
const resource = kc.makeApiClient(ResourceV1Api);
const namespace = await cluster.createNamespace('signflow-runs');
await using h = await startHarness({ worker: false });
// The image's WORKDIR (/app) holds the repository, as here; the data dir stands for a shared volume.
await using kubelet = await startProcessKubelet(cluster, { entrypoints: { 'signflow-step': [process.execPath, '--import', 'tsx', stepEntry] }, cwd: repoRoot, sharedPaths: [h.dataDir] });
await using executor = new KubernetesExecutor({ namespace, defaultImage: 'ghcr.io/signflow/signflow:test', heartbeatIntervalMs: 500, stepEnv: { [PROCESS_OUTCOME.name]: PROCESS_OUTCOME.value } }, { kubeConfig: kc });
const worker = await createPipelineWorker({ temporalAddress: h.temporal.address, namespace: h.temporal.namespace, dataDir: h.dataDir, taskQueue: h.taskQueue, workflowBundle: await workflowBundle(), executor });
const running = worker.run();

const parameters = (gpu: string, seed = 0) => ({
  sourceKind: 'msl150',
  sourcePath: fixture('msl150', 'sample_npy'),
  datasetName: 'msl150',
  folds: 3,
  splitMethod: 'stratified-kfold',
  seed,
  train: { model: { architecture: 'gru', units: 16, dropout: 0.1 }, epochs: 3, learningRate: 0.003 },
  gpu,
});
/** Waits for a pod of the step whose process runs; gives up at once when the run ends. */
async function runningPod(runId: string, step: string): Promise<V1Pod> {
  let ended: Error | undefined;
  return waitFor(`${step} process running`, async () => {
    for (const pod of await podsOf(runId, step)) if (kubelet.running().includes(`${namespace}/${pod.metadata?.name}`)) return pod;
    const run = await h.service.getRun(runId);
    if (run.status !== 'running' && run.status !== 'queued') ended = new Error(`run ${runId} ended ${run.status} before ${step} was seen running: ${run.error ?? ''}`);
    return undefined;
  }, { timeoutMs: 120_000, intervalMs: 100, abortIf: () => ended }).catch(async (err: unknown) => {
    // Say where the run was: its steps and its pods' phases.
    const run = await h.service.getRun(runId);
    const pods = (await core.listNamespacedPod(ofRun(runId))).items.map((p) => `${p.metadata?.name}:${p.status?.phase}:${p.spec?.nodeName ?? 'unscheduled'}:${p.status?.conditions?.map((c) => `${c.type}=${c.status}${c.message ? `(${c.message})` : ''}`).join(',')}`);
    throw new Error(`${String(err)}\nsteps: ${JSON.stringify(run.steps.map((s) => [s.stepPath, s.status, s.error]))}\npods: ${pods.join('\n  ')}\nkubelet running: ${kubelet.running().join(', ')}`, { cause: err });
  });
}
const ofRun = (runId: string) => ({ namespace, labelSelector: `signflow.dev/run=${runId}` });
// Executors get a DNS-safe step id: the step path plus a hash.
const stepIdIs = (step: string) => (o: V1Job | V1Pod) => new RegExp(`^${step}-[0-9a-f]{8}$`).test(o.metadata?.annotations?.['signflow.dev/step-id'] ?? '');
const jobsOf = async (runId: string, step: string) => (await batch.listNamespacedJob(ofRun(runId))).items.filter(stepIdIs(step));
const podsOf = async (runId: string, step: string) => (await core.listNamespacedPod(ofRun(runId))).items.filter(stepIdIs(step));

async function succeeded(runId: string) {
  const run = await h.waitForRun(runId, ['succeeded', 'failed', 'cancelled'], 300_000);
  assert.equal(run.status, 'succeeded', `${run.error ?? ''}\n${JSON.stringify(run.steps.map((s) => [s.stepPath, s.status, s.error]))}`);
  const version = run.steps.find((s) => s.stepPath === 'register')?.outputs['version'];
  assert.ok(version?.kind === 'parameter' && Number.isInteger(version.value), 'register made a model version');
  const graph = h.service.lineage(`model:sign-recognition@${String(version.value)}`, 12);
  assert.ok(graph.upstream.some((e) => e.from === `step:${runId}/train`), 'the registered model traces back to the train step');
  return { run, version: Number(version.value) };
}

await test('sign-recognition with gpu=1: nvidia.com/gpu Jobs on the GPU node, an evicted train pod retried, model registered, logs kept after the pods are gone', { timeout: 360_000 }, async () => {
  const { runId } = await h.service.submit({ spec: signRecognition.compile(), parameters: parameters('1') });
  // Drain the node under the first try of `train` while its process runs, as an operator would.
  const first = await runningPod(runId, 'train');
  await core.createNamespacedPodEviction({ name: first.metadata?.name ?? '', namespace, body: { metadata: { name: first.metadata?.name, namespace } } });
  const { run, version } = await succeeded(runId);
  assert.equal(version, 1);
  const accuracy = run.outputs['accuracy'];
  assert.ok(accuracy?.kind === 'parameter' && typeof accuracy.value === 'number' && accuracy.value > 0, JSON.stringify(accuracy));

  const trainJobs = await jobsOf(runId, 'train');
  assert.equal(trainJobs.length, 2, 'the evicted try and its retry');
  for (const job of trainJobs) {
    const pod = job.spec?.template.spec;
    assert.equal(job.spec?.backoffLimit, 0);
    assert.equal(pod?.containers[0]?.resources?.limits?.['nvidia.com/gpu'], '1');
    assert.ok(pod?.tolerations?.some((t) => t.key === 'nvidia.com/gpu'));
    assert.equal(pod?.resourceClaims, undefined);
    assert.deepEqual(pod?.containers[0]?.command, ['signflow-step', 'training.train']);
  }
  const [retried] = (await podsOf(runId, 'train')).filter((p) => p.status?.phase === 'Succeeded');
  assert.equal(retried?.spec?.nodeName, cluster.nodes.gpu);
  for (const step of ['import', 'split', 'evaluate', 'register']) {
    const [job] = await jobsOf(runId, step);
    assert.equal(job?.spec?.template.spec?.containers[0]?.resources?.limits?.['nvidia.com/gpu'], undefined, step);
    assert.equal((await podsOf(runId, step))[0]?.spec?.nodeName, cluster.nodes.cpu, step);
  }
  assert.equal(kubelet.started.filter((p) => p.includes('-train-')).length, 2, 'both train pods ran a real process');

  // Logs outlive the pods: delete the run's Jobs (foreground) and read each step's log from the store.
  for (const job of (await batch.listNamespacedJob(ofRun(runId))).items) {
    await batch.deleteNamespacedJob({ name: job.metadata?.name ?? '', namespace, propagationPolicy: 'Foreground' });
  }
  await waitFor('pods gone', async () => ((await core.listNamespacedPod(ofRun(runId))).items.length === 0 ? true : undefined), { timeoutMs: 30_000 });
  assert.match((await h.service.stepLogs(runId, 'import')).text, /dataset msl150@\S+: \d+ samples, 5 classes/);
  assert.match((await h.service.stepLogs(runId, 'split')).text, /split [0-9a-f]{64} into 3 folds by stratified-kfold/);
  const trainLog = (await h.service.stepLogs(runId, 'train')).text;
  assert.match(trainLog, /progress \{/);
  assert.match(trainLog, /attempt 1 restarted/);
});

await test('sign-recognition with gpu=dra:gpu.nvidia.com:1: the train Job claims a device through a ResourceClaimTemplate', { timeout: 300_000 }, async () => {
  const { runId } = await h.service.submit({ spec: signRecognition.compile(), parameters: parameters(`dra:${cluster.deviceClass}:1`, 1) });
  const pod = await runningPod(runId, 'train');
  const claim = pod.status?.resourceClaimStatuses?.[0]?.resourceClaimName;
  assert.ok(claim, 'the pod has a claim made from the template');
  const allocation = (await resource.readNamespacedResourceClaim({ name: claim, namespace })).status?.allocation;
  assert.equal(pod.spec?.nodeName, cluster.nodes.gpu);
  assert.equal(allocation?.devices?.results?.[0]?.driver, cluster.deviceClass);
  const { version } = await succeeded(runId);
  assert.equal(version, 2, 'a second model version');
  const [job] = await jobsOf(runId, 'train');
  const spec = job?.spec?.template.spec;
  assert.equal(spec?.resourceClaims?.[0]?.resourceClaimTemplateName, `${job?.metadata?.name}-gpu`);
  assert.deepEqual(spec?.containers[0]?.resources?.claims?.map((c) => c.name), ['gpu']);
  assert.equal(spec?.containers[0]?.resources?.limits?.['nvidia.com/gpu'], undefined);
  const template = await resource.readNamespacedResourceClaimTemplate({ name: `${job?.metadata?.name}-gpu`, namespace });
  const exactly = template.spec.spec.devices?.requests?.[0]?.exactly;
  assert.deepEqual([exactly?.deviceClassName, exactly?.allocationMode, exactly?.count], [cluster.deviceClass, 'ExactCount', 1]);
});

await test('cancelling a sign-recognition run deletes its Jobs and pods and stops the running step process', { timeout: 180_000 }, async () => {
  const { runId } = await h.service.submit({ spec: signRecognition.compile(), parameters: { ...parameters('1', 7), train: { model: { architecture: 'gru', units: 16 }, epochs: 400 } } });
  const train = await runningPod(runId, 'train');
  await h.service.cancel(runId);
  const run = await h.waitForRun(runId, ['cancelled', 'failed', 'succeeded'], 60_000);
  assert.equal(run.status, 'cancelled');
  await waitFor(
    'Jobs and pods gone',
    async () => ((await batch.listNamespacedJob(ofRun(runId))).items.length + (await core.listNamespacedPod(ofRun(runId))).items.length === 0 ? true : undefined),
    { timeoutMs: 30_000 },
  );
  await waitFor('train process stopped', () => Promise.resolve(kubelet.running().includes(`${namespace}/${train.metadata?.name}`) ? undefined : true), { timeoutMs: 10_000 });
});

await test('an outputs document over the 4 KiB of a termination message comes back through the artifact store, checked by its sha256', { timeout: 60_000 }, async () => {
  const blob = 'sign '.repeat(2000);
  const ctx = recordingContext();
  const launch = { runId: 'big-outputs', stepId: 'echo', attempt: 1, command: ['signflow-step', 'test.echo'], env: { SIGNFLOW_ARTIFACT_STORE: pathToFileURL(pipelinesDataPaths(h.dataDir).artifacts).href }, resources: {}, inputsJson: JSON.stringify({ parameters: { blob } }) };
  const outcome = await executor.run(launch, ctx);
  assert.equal(outcome.status, 'succeeded', outcome.status === 'failed' ? outcome.reason : '');
  assert.ok(outcome.status === 'succeeded' && outcome.outputsJson);
  assert.equal((JSON.parse(outcome.outputsJson) as { parameters: { blob: string } }).parameters.blob, blob);
  const [pod] = (await core.listNamespacedPod(ofRun('big-outputs'))).items;
  const message = pod?.status?.containerStatuses?.[0]?.state?.terminated?.message ?? '';
  assert.ok(Buffer.byteLength(message) < 4096, `termination message of ${Buffer.byteLength(message)} bytes`);
  assert.match(message, /^\{"signflowOutputsRef":\{"key":"runs\/big-outputs\/echo\/attempt-1\/sf-echo-[a-z0-9-]+\.outputs\.json","sha256":"[0-9a-f]{64}"/);
  assert.match(ctx.log(), /echoing 1 parameters/);
});

await worker.shutdown();
await running;
