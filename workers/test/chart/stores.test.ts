import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { KubernetesObject, V1ConfigMap, V1Container, V1Deployment, V1NetworkPolicy, V1NetworkPolicyPeer, V1Secret } from '@kubernetes/client-node';
import { stepPermissions } from '@signflow/core';
import { buildStepObjects, kubernetesExecutorOptionsFromEnv } from '../../src/executors/kubernetes/index.js';
import { chartDir, find, helm, natsClientPort, render, valueFlags, valueSets } from './helm.js';

function container(objects: KubernetesObject[], deployment: string): V1Container {
  const c = find<V1Deployment>(objects, 'Deployment', deployment).spec?.template.spec?.containers[0];
  assert.ok(c, `no container in ${deployment}`);
  return c;
}

function plainEnv(c: V1Container): Record<string, string | undefined> {
  return Object.fromEntries((c.env ?? []).map((e) => [e.name, e.value]));
}

/** What the kubelet does to an env value: `$$` stays a literal `$` (other `$(VAR)` would expand). */
function asContainerSees(value: string | undefined): string | undefined {
  return value?.replaceAll('$$', '$');
}

await test('API, pipeline worker, transcriber and extraction use the NATS artifact and dataset stores', () => {
  const objects = render(valueSets['full']);
  for (const name of ['api', 'pipeline-worker', 'transcriber', 'extraction-cpu']) {
    const env = plainEnv(container(objects, `demo-signflow-${name}`));
    assert.equal(env['SIGNFLOW_ARTIFACT_STORE'], 'nats://signflow_artifacts', name);
    assert.equal(env['SIGNFLOW_DATASETS_STORE'], 'nats', name);
    assert.equal(env['SIGNFLOW_DATASETS_BUCKET'], 'signflow_datasets', name);
  }
  const custom = plainEnv(container(render({ 'stores.artifactsBucket': 'prod_artifacts', 'stores.datasetsBucket': 'prod_sets' }), 'demo-signflow-api'));
  assert.equal(custom['SIGNFLOW_ARTIFACT_STORE'], 'nats://prod_artifacts');
  assert.equal(custom['SIGNFLOW_DATASETS_BUCKET'], 'prod_sets');
  const bad = helm(['template', 'demo', chartDir, ...valueFlags({ 'stores.artifactsBucket': 'has.dot' })]);
  assert.notEqual(bad.status, 0);
  assert.match(bad.stderr, /\/stores\/artifactsBucket/);
});

await test('step Jobs open the same stores as the least-privilege step NATS user, not the signflow user, its password from a Secret in the runs namespace, never in the Job', () => {
  const objects = render(valueSets['full']);
  const worker = container(objects, 'demo-signflow-pipeline-worker');
  const raw = plainEnv(worker)['SIGNFLOW_K8S_EXECUTOR'];
  assert.match(raw ?? '', /\$\$\(SIGNFLOW_NATS_STEP_PASSWORD\)/, 'escaped, so the worker container does not expand it');
  const options = kubernetesExecutorOptionsFromEnv({ SIGNFLOW_K8S_EXECUTOR: asContainerSees(raw) });
  assert.deepEqual(options.stepEnv, {
    SIGNFLOW_NATS_URL: `nats://step:$(SIGNFLOW_NATS_STEP_PASSWORD)@demo-signflow-nats.signflow.svc:${natsClientPort(objects)}`,
    SIGNFLOW_ARTIFACT_STORE: 'nats://signflow_artifacts',
    SIGNFLOW_DATASETS_STORE: 'nats',
    SIGNFLOW_DATASETS_BUCKET: 'signflow_datasets',
  });
  assert.deepEqual(options.stepSecretEnv, { SIGNFLOW_NATS_STEP_PASSWORD: { secret: 'demo-signflow-step-nats', key: 'password' } });

  const stepSecret = find<V1Secret>(objects, 'Secret', 'demo-signflow-step-nats');
  assert.equal(stepSecret.metadata?.namespace, 'signflow-jobs');
  const internal = find<V1Secret>(objects, 'Secret', 'demo-signflow-nats-internal');
  const servicePassword = internal.data?.['password'];
  const stepPassword = internal.data?.['step-password'];
  assert.ok(servicePassword && stepPassword);
  assert.equal(stepSecret.data?.['password'], stepPassword, 'the NATS server and the steps share the step user’s generated password');
  assert.notEqual(stepSecret.data?.['password'], servicePassword, 'the runs namespace never holds the signflow user’s password');

  const { job } = buildStepObjects({ runId: 'r1', stepId: 'train', attempt: 1, command: ['signflow-step', 'training.train'], env: { SIGNFLOW_ARTIFACT_STORE: 'nats://signflow_artifacts' }, resources: {} }, options);
  const env = job.spec?.template.spec?.containers[0]?.env ?? [];
  assert.deepEqual(env[0], { name: 'SIGNFLOW_NATS_STEP_PASSWORD', valueFrom: { secretKeyRef: { name: 'demo-signflow-step-nats', key: 'password' } } });
  assert.match(env.find((e) => e.name === 'SIGNFLOW_NATS_URL')?.value ?? '', /^nats:\/\/step:\$\(SIGNFLOW_NATS_STEP_PASSWORD\)@demo-signflow-nats\./);
  assert.ok(!JSON.stringify(job).includes('nats://signflow:'), 'no step env names the signflow user');
  assert.ok(!env.some((e) => e.valueFrom?.secretKeyRef?.name === 'demo-signflow-nats-internal'), 'no step env reads the internal Secret');
  for (const password of [servicePassword, stepPassword]) assert.ok(!JSON.stringify(job).includes(Buffer.from(password, 'base64').toString()), 'no password in the Job');

  const external = render({ 'nats.enabled': false, 'nats.externalUrl': 'nats://nats.shared.svc' });
  const ext = kubernetesExecutorOptionsFromEnv({ SIGNFLOW_K8S_EXECUTOR: asContainerSees(plainEnv(container(external, 'demo-signflow-pipeline-worker'))['SIGNFLOW_K8S_EXECUTOR']) });
  assert.equal(ext.stepEnv['SIGNFLOW_NATS_URL'], 'nats://nats.shared.svc');
  assert.deepEqual(ext.stepSecretEnv, {});
  assert.ok(!external.some((o) => o.metadata?.name === 'demo-signflow-step-nats'));
});

await test('the chart’s step NATS user has the step role of core/src/auth/nats-permissions.ts for the chart’s buckets (password users reply on _INBOX)', () => {
  for (const [artifacts, datasets] of [
    ['signflow_artifacts', 'signflow_datasets'],
    ['prod_artifacts', 'prod_sets'],
  ] as const) {
    const objects = render({ 'stores.artifactsBucket': artifacts, 'stores.datasetsBucket': datasets });
    const conf = find<V1ConfigMap>(objects, 'ConfigMap', 'demo-signflow-nats').data?.['nats.conf'] ?? '';
    const step = /\{ user: step, password: \$SIGNFLOW_NATS_STEP_PASSWORD, permissions: \{ publish: (\[[^\]]*\]), subscribe: (\[[^\]]*\]) \} \}/.exec(conf);
    assert.ok(step?.[1] && step[2], conf);
    const role = stepPermissions({ artifactBuckets: [artifacts], datasetBuckets: [datasets] }, '_INBOX.>');
    assert.deepEqual(JSON.parse(step[1]), role.publish.allow, artifacts);
    assert.deepEqual(JSON.parse(step[2]), role.subscribe.allow, artifacts);
  }
});

await test('the bundled NATS admits step pods of the runs namespace (their egress is in network.test.ts)', () => {
  const objects = render(valueSets['full']);
  const policy = find<V1NetworkPolicy>(objects, 'NetworkPolicy', 'demo-signflow-nats');
  // rendered YAML says `from` (the client's model types call it `_from`)
  const rule = policy.spec?.ingress?.[0] as { from?: V1NetworkPolicyPeer[]; ports?: unknown } | undefined;
  const peers = rule?.from ?? [];
  assert.ok(
    peers.some((p) => p.namespaceSelector?.matchLabels?.['kubernetes.io/metadata.name'] === 'signflow-jobs' && p.podSelector?.matchLabels?.['app.kubernetes.io/managed-by'] === 'signflow'),
    JSON.stringify(peers),
  );
  assert.deepEqual(rule?.ports, [{ port: natsClientPort(objects), protocol: 'TCP' }]);
});
