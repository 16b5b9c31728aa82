import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { StepLaunch } from '@signflow/pipelines';
import { buildStepObjects, jobName, labelValue, parseKubernetesExecutorOptions, KubernetesSpecError } from '../../src/executors/kubernetes/index.js';

const options = parseKubernetesExecutorOptions({ namespace: 'signflow-runs', defaultImage: 'ghcr.io/signflow/signflow:0.1.0', serviceAccountName: 'signflow-step', gpuNodeSelector: { 'signflow.dev/pool': 'gpu' } });

function launch(overrides: Partial<StepLaunch> = {}): StepLaunch {
  return {
    runId: 'run-7f3a',
    stepId: 'train',
    attempt: 1,
    command: ['node', 'workers/bin/step.js', 'train'],
    env: { SIGNFLOW_RUN_ID: 'run-7f3a' },
    resources: {},
    ...overrides,
  };
}

test('a CPU step becomes a Job with backoffLimit 0, labels, requests equal to limits and no GPU', () => {
  const { job, claimTemplate } = buildStepObjects(launch({ resources: { cpu: '2', memory: '4Gi' } }), options);
  assert.equal(claimTemplate, undefined);
  assert.equal(job.apiVersion, 'batch/v1');
  assert.equal(job.spec?.backoffLimit, 0);
  assert.equal(job.metadata?.namespace, 'signflow-runs');
  assert.equal(job.metadata?.labels?.['signflow.dev/run'], 'run-7f3a');
  assert.equal(job.metadata?.labels?.['signflow.dev/step'], 'train');
  assert.equal(job.spec?.template.metadata?.labels?.['app.kubernetes.io/managed-by'], 'signflow');
  const pod = job.spec?.template.spec;
  assert.equal(pod?.restartPolicy, 'Never');
  assert.equal(pod?.serviceAccountName, 'signflow-step');
  const container = pod?.containers[0];
  assert.equal(container?.image, 'ghcr.io/signflow/signflow:0.1.0');
  assert.deepEqual(container?.command, ['node', 'workers/bin/step.js', 'train']);
  assert.deepEqual(container?.resources, { requests: { cpu: '2', memory: '4Gi' }, limits: { cpu: '2', memory: '4Gi' } });
  assert.equal(pod?.resourceClaims, undefined);
  assert.deepEqual(pod?.tolerations, []);
  assert.deepEqual(pod?.nodeSelector, {});
  assert.equal(container?.securityContext?.readOnlyRootFilesystem, true);
  assert.equal(container?.securityContext?.runAsNonRoot, true);
});

test('a counted GPU is an nvidia.com/gpu limit, on the GPU pool, tolerating its taint', () => {
  const { job, claimTemplate } = buildStepObjects(launch({ resources: { gpu: { kind: 'count', count: 2 } } }), options);
  assert.equal(claimTemplate, undefined);
  const pod = job.spec?.template.spec;
  assert.equal(pod?.containers[0]?.resources?.limits?.['nvidia.com/gpu'], '2');
  assert.equal(pod?.containers[0]?.resources?.requests?.['nvidia.com/gpu'], undefined);
  assert.deepEqual(pod?.nodeSelector, { 'signflow.dev/pool': 'gpu' });
  assert.deepEqual(pod?.tolerations, [{ key: 'nvidia.com/gpu', operator: 'Exists', value: undefined, effect: 'NoSchedule' }]);
});

test('another extended resource name is honoured', () => {
  const { job } = buildStepObjects(launch({ resources: { gpu: { kind: 'count', count: 1, resourceName: 'amd.com/gpu' } } }), options);
  assert.equal(job.spec?.template.spec?.containers[0]?.resources?.limits?.['amd.com/gpu'], '1');
});

test('a DRA GPU is a resource.k8s.io/v1 ResourceClaimTemplate whose request wraps class, count and selectors in `exactly`', () => {
  const selectors = ['device.attributes["gpu.nvidia.com"].productName == "NVIDIA L4"'];
  const { job, claimTemplate } = buildStepObjects(launch({ resources: { gpu: { kind: 'dra', deviceClassName: 'gpu.nvidia.com', count: 2, selectors } } }), options);
  assert.ok(claimTemplate);
  assert.equal(claimTemplate.apiVersion, 'resource.k8s.io/v1');
  assert.equal(claimTemplate.kind, 'ResourceClaimTemplate');
  assert.equal(claimTemplate.metadata?.name, `${job.metadata?.name}-gpu`);
  assert.deepEqual(claimTemplate.spec.spec?.devices?.requests, [
    { name: 'gpu', exactly: { deviceClassName: 'gpu.nvidia.com', allocationMode: 'ExactCount', count: 2, selectors: [{ cel: { expression: selectors[0] } }] } },
  ]);
  const pod = job.spec?.template.spec;
  assert.deepEqual(pod?.resourceClaims, [{ name: 'gpu', resourceClaimTemplateName: claimTemplate.metadata?.name }]);
  assert.deepEqual(pod?.containers[0]?.resources?.claims, [{ name: 'gpu' }]);
  assert.equal(pod?.containers[0]?.resources?.limits?.['nvidia.com/gpu'], undefined);
  assert.deepEqual(pod?.nodeSelector, { 'signflow.dev/pool': 'gpu' });
});

test('a DRA request without selectors has none', () => {
  const { claimTemplate } = buildStepObjects(launch({ resources: { gpu: { kind: 'dra', deviceClassName: 'gpu.nvidia.com', count: 1 } } }), options);
  assert.equal(claimTemplate?.spec.spec?.devices?.requests?.[0]?.exactly?.selectors, undefined);
});

test('the launch placement wins over the executor defaults, and tolerations are not repeated', () => {
  const { job } = buildStepObjects(
    launch({
      resources: { gpu: { kind: 'count', count: 1 } },
      placement: {
        nodeSelector: { 'signflow.dev/pool': 'a100', zone: 'b' },
        tolerations: [{ key: 'nvidia.com/gpu', operator: 'Exists', effect: 'NoSchedule' }, { key: 'spot', operator: 'Equal', value: 'true', effect: 'NoSchedule' }],
        serviceAccountName: 'trainer',
      },
    }),
    options,
  );
  const pod = job.spec?.template.spec;
  assert.deepEqual(pod?.nodeSelector, { 'signflow.dev/pool': 'a100', zone: 'b' });
  assert.equal(pod?.tolerations?.length, 2);
  assert.equal(pod?.serviceAccountName, 'trainer');
});

test('the inputs document is mounted from a pod annotation and the outputs come back as the termination message', () => {
  const inputsJson = JSON.stringify({ parameters: { epochs: 3 }, artifacts: {} });
  const { job } = buildStepObjects(launch({ inputsJson }), options);
  const template = job.spec?.template;
  assert.equal(template?.metadata?.annotations?.['signflow.dev/inputs'], inputsJson);
  const container = template?.spec?.containers[0];
  const env = Object.fromEntries((container?.env ?? []).map((e) => [e.name, e.value]));
  assert.equal(env['SIGNFLOW_STEP_INPUTS'], '/var/run/signflow/inputs/inputs.json');
  assert.equal(env['SIGNFLOW_STEP_OUTPUTS'], container?.terminationMessagePath);
  assert.equal(env['SIGNFLOW_RUN_ID'], 'run-7f3a');
  const volume = template?.spec?.volumes?.find((v) => v.name === 'inputs');
  assert.equal(volume?.downwardAPI?.items?.[0]?.fieldRef?.fieldPath, "metadata.annotations['signflow.dev/inputs']");
});

test('with an artifact store, a step may put a large outputs document under its Job key; executor step env sits under the launch env', () => {
  const withStore = parseKubernetesExecutorOptions({ namespace: 'signflow-runs', defaultImage: 'img', stepEnv: { SIGNFLOW_DATA_DIR: '/data', SIGNFLOW_RUN_ID: 'overridden' } });
  const { job } = buildStepObjects(launch({ attempt: 3, env: { SIGNFLOW_RUN_ID: 'run-7f3a', SIGNFLOW_ARTIFACT_STORE: 's3://bucket/signflow' } }), withStore, 'n0nce');
  const env = Object.fromEntries((job.spec?.template.spec?.containers[0]?.env ?? []).map((e) => [e.name, e.value]));
  assert.equal(env['SIGNFLOW_STEP_OUTPUTS_KEY'], `runs/run-7f3a/train/attempt-3/${job.metadata?.name}.outputs.json`);
  assert.equal(env['SIGNFLOW_DATA_DIR'], '/data');
  assert.equal(env['SIGNFLOW_RUN_ID'], 'run-7f3a');
  const { job: bare } = buildStepObjects(launch(), options);
  assert.ok(!(bare.spec?.template.spec?.containers[0]?.env ?? []).some((e) => e.name === 'SIGNFLOW_STEP_OUTPUTS_KEY'), 'no store, no key');
});

test('step env from Secrets comes first, so a later value can name it as $(VAR); its value never appears in the Job', () => {
  const withSecret = parseKubernetesExecutorOptions({
    namespace: 'signflow-runs',
    defaultImage: 'img',
    stepEnv: { SIGNFLOW_NATS_URL: 'nats://signflow:$(SIGNFLOW_NATS_PASSWORD)@demo-signflow-nats.signflow.svc' },
    stepSecretEnv: { SIGNFLOW_NATS_PASSWORD: { secret: 'demo-signflow-step-nats', key: 'password' } },
  });
  const env = buildStepObjects(launch({ env: { SIGNFLOW_NATS_PASSWORD: 'leaked' } }), withSecret).job.spec?.template.spec?.containers[0]?.env ?? [];
  assert.deepEqual(env[0], { name: 'SIGNFLOW_NATS_PASSWORD', valueFrom: { secretKeyRef: { name: 'demo-signflow-step-nats', key: 'password' } } });
  assert.equal(env.filter((e) => e.name === 'SIGNFLOW_NATS_PASSWORD').length, 1, 'the Secret wins over a plain value');
  assert.ok(!JSON.stringify(env).includes('leaked'));
  assert.ok(env.findIndex((e) => e.name === 'SIGNFLOW_NATS_URL') > 0);
  assert.throws(() => parseKubernetesExecutorOptions({ namespace: 'r', stepSecretEnv: { X: { secret: '' } } }), /stepSecretEnv/);
});

test("component images map to the installation's: the catalog image becomes the release image, a GPU step on it the GPU image", () => {
  const mapped = parseKubernetesExecutorOptions({ namespace: 'r', defaultImage: 'ghcr.io/signflow/signflow:0.1.0', gpuImage: 'ghcr.io/signflow/signflow-gpu:0.1.0', imageOverrides: { 'signflow/worker:latest': 'ghcr.io/signflow/signflow:0.1.0' } });
  const imageOf = (l: StepLaunch) => buildStepObjects(l, mapped).job.spec?.template.spec?.containers[0]?.image;
  assert.equal(imageOf(launch({ image: 'signflow/worker:latest' })), 'ghcr.io/signflow/signflow:0.1.0');
  assert.equal(imageOf(launch({ image: 'signflow/worker:latest', resources: { gpu: { kind: 'count', count: 1 } } })), 'ghcr.io/signflow/signflow-gpu:0.1.0');
  assert.equal(imageOf(launch({ resources: { gpu: { kind: 'dra', deviceClassName: 'gpu.nvidia.com', count: 1 } } })), 'ghcr.io/signflow/signflow-gpu:0.1.0');
  assert.equal(imageOf(launch({ image: 'example.org/custom:1', resources: { gpu: { kind: 'count', count: 1 } } })), 'example.org/custom:1', 'a custom image stays');
  assert.equal(imageOf(launch()), 'ghcr.io/signflow/signflow:0.1.0');
});

test('a timeout becomes activeDeadlineSeconds', () => {
  const { job } = buildStepObjects(launch({ timeoutMs: 90_500 }), options);
  assert.equal(job.spec?.activeDeadlineSeconds, 91);
});

test('names fit Kubernetes limits and differ per attempt', () => {
  const long = 'Extract Landmarks From Every Camera Of The Rig And Then Some More'.repeat(2);
  const name = jobName('r'.repeat(200), long, 1);
  assert.match(name, /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/);
  assert.ok(name.length <= 63);
  assert.notEqual(jobName('run', 'train', 1), jobName('run', 'train', 2));
  const label = labelValue('projects/signs:run#42/' + 'x'.repeat(80));
  assert.match(label, /^[A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?$/);
  assert.ok(label.length <= 63);
  assert.notEqual(labelValue('a/b'), labelValue('a:b'));
});

test('bad launches are refused with the fix in the message', () => {
  const noImage = parseKubernetesExecutorOptions({ namespace: 'runs' });
  assert.throws(() => buildStepObjects(launch(), noImage), (err: unknown) => err instanceof KubernetesSpecError && /no container image/.test(err.message));
  assert.throws(() => buildStepObjects(launch({ command: [] }), options), /empty command/);
  assert.throws(() => buildStepObjects(launch({ resources: { gpu: { kind: 'count', count: 0.5 } } }), options), /whole number/);
  assert.throws(() => buildStepObjects(launch({ inputsJson: 'x'.repeat(300_000) }), options), /pass large values as artifacts/);
  assert.throws(() => parseKubernetesExecutorOptions({ namespace: 'Not_A_Namespace' }), /namespace: expected a namespace name/);
});
