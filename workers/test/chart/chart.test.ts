import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { KubernetesObject, V1Container, V1Deployment, V1PodSpec, V1Role, V1RoleBinding, V1StatefulSet, V2HorizontalPodAutoscaler, V1ConfigMap, V1Job, V1Secret } from '@kubernetes/client-node';
import { kubernetesExecutorOptionsFromEnv } from '../../src/executors/kubernetes/index.js';
import { chartDir, find, helm, render, valueFlags, valueSets } from './helm.js';

function podSpecs(objects: KubernetesObject[]): { owner: string; spec: V1PodSpec }[] {
  const out: { owner: string; spec: V1PodSpec }[] = [];
  for (const o of objects) {
    if (o.kind === 'Deployment' || o.kind === 'StatefulSet') {
      const spec = (o as V1Deployment | V1StatefulSet).spec?.template.spec;
      if (spec) out.push({ owner: `${o.kind}/${o.metadata?.name}`, spec });
    }
  }
  return out;
}

function container(objects: KubernetesObject[], deployment: string): V1Container {
  const c = find<V1Deployment>(objects, 'Deployment', deployment).spec?.template.spec?.containers[0];
  assert.ok(c, `no container in ${deployment}`);
  return c;
}

for (const [name, values] of Object.entries(valueSets)) {
  await test(`helm lint --strict passes with the ${name} values`, () => {
    const result = helm(['lint', '--strict', chartDir, ...valueFlags(values)]);
    assert.equal(result.status, 0, result.stdout + result.stderr);
  });

  await test(`every pod of the ${name} render is non-root on a read-only root filesystem with requests and limits`, () => {
    const pods = podSpecs(render(values));
    assert.ok(pods.length >= 3);
    for (const { owner, spec } of pods) {
      assert.equal(spec.securityContext?.runAsNonRoot, true, owner);
      for (const c of [...(spec.initContainers ?? []), ...spec.containers]) {
        assert.equal(c.securityContext?.readOnlyRootFilesystem, true, `${owner} ${c.name}`);
        assert.equal(c.securityContext?.allowPrivilegeEscalation, false, `${owner} ${c.name}`);
        assert.deepEqual(c.securityContext?.capabilities?.drop, ['ALL'], `${owner} ${c.name}`);
        for (const r of ['cpu', 'memory']) {
          assert.ok(c.resources?.requests?.[r], `${owner} ${c.name}: no ${r} request`);
          assert.ok(c.resources?.limits?.[r], `${owner} ${c.name}: no ${r} limit`);
        }
      }
    }
  });
}

await test("the executor's Role allows only jobs, pods, pods/log and resourceclaimtemplates, in the runs namespace", () => {
  const objects = render(valueSets['full']);
  const role = find<V1Role>(objects, 'Role', 'demo-signflow-executor');
  assert.equal(role.metadata?.namespace, 'signflow-jobs');
  const granted = (role.rules ?? []).flatMap((r) => (r.resources ?? []).map((res) => `${r.apiGroups?.join('')}/${res}`)).sort();
  assert.deepEqual(granted, ['/pods', '/pods/log', 'batch/jobs', 'resource.k8s.io/resourceclaimtemplates']);
  assert.ok(!(role.rules ?? []).some((r) => r.verbs.includes('*') || r.resources?.includes('*')));
  assert.equal(objects.filter((o) => o.kind === 'ClusterRole' || o.kind === 'ClusterRoleBinding').length, 0);
  const binding = find<V1RoleBinding>(objects, 'RoleBinding', 'demo-signflow-executor');
  assert.deepEqual(binding.subjects, [{ kind: 'ServiceAccount', name: 'demo-signflow-pipeline-worker', namespace: 'signflow' }]);
});

await test("the pipeline worker's executor options parse as KubernetesExecutor options", () => {
  const worker = container(render(valueSets['full']), 'demo-signflow-pipeline-worker');
  const env = Object.fromEntries((worker.env ?? []).map((e) => [e.name, e.value]));
  const options = kubernetesExecutorOptionsFromEnv(env);
  assert.equal(options.namespace, 'signflow-jobs');
  assert.equal(options.serviceAccountName, 'demo-signflow-step');
  assert.equal(options.defaultImage, 'ghcr.io/signflow/signflow:0.1.0');
  // Catalog components (signflow/worker:latest) run the release's images; GPU steps the CUDA one.
  assert.equal(options.gpuImage, 'ghcr.io/signflow/signflow-gpu:0.1.0');
  assert.deepEqual(options.imageOverrides, { 'signflow/worker:latest': 'ghcr.io/signflow/signflow:0.1.0' });
  assert.deepEqual(options.gpuNodeSelector, { 'signflow.dev/pool': 'gpu' });
  // The bundled dev server's Service, on Temporal's usual port.
  assert.match(env['SIGNFLOW_TEMPORAL_ADDRESS'] ?? '', /^demo-signflow-temporal\.signflow\.svc:7\d{3}$/);
});

await test('the GPU extraction pool has its own selector, toleration, GPU limit and the GPU image', () => {
  const objects = render(valueSets['full']);
  const gpu = find<V1Deployment>(objects, 'Deployment', 'demo-signflow-extraction-gpu').spec?.template.spec;
  assert.deepEqual(gpu?.nodeSelector, { 'signflow.dev/pool': 'gpu' });
  assert.ok(gpu?.tolerations?.some((t) => t.key === 'nvidia.com/gpu'));
  assert.equal(String(gpu?.containers[0]?.resources?.limits?.['nvidia.com/gpu']), '1');
  assert.match(gpu?.containers[0]?.image ?? '', /^ghcr\.io\/signflow\/signflow-gpu:/);
  assert.deepEqual(gpu?.containers[0]?.args, ['--rig', 'default']);
  const cpu = find<V1Deployment>(objects, 'Deployment', 'demo-signflow-extraction-cpu').spec?.template.spec;
  assert.equal(cpu?.nodeSelector, undefined);
  assert.equal(cpu?.containers[0]?.resources?.limits?.['nvidia.com/gpu'], undefined);
});

await test('NATS keeps JetStream on a volume; each camera rig gets a credential allowed only its own subjects', () => {
  const objects = render(valueSets['full']);
  const nats = find<V1StatefulSet>(objects, 'StatefulSet', 'demo-signflow-nats');
  assert.equal(nats.spec?.volumeClaimTemplates?.[0]?.spec?.resources?.requests?.['storage'], '10Gi');
  const conf = find<V1ConfigMap>(objects, 'ConfigMap', 'demo-signflow-nats').data?.['nats.conf'] ?? '';
  assert.match(conf, /jetstream \{\s+store_dir: \/data\/jetstream/);
  assert.match(conf, /user: "camera-studio-a", password: \$CAMERA_STUDIO_A_PASSWORD, permissions: \{ publish: \["signflow\.frames\.studio-a\.\*", "signflow\.landmarks\.studio-a\.\*", "\$KV\.signflow_cameras\.studio-a\.\*", "\$JS\.API\.INFO"/);
  assert.doesNotMatch(conf, /"\$JS\.API\.>"/, 'a camera may not manage streams');
  const secret = find<V1Secret>(objects, 'Secret', 'demo-signflow-camera-agents');
  assert.equal(Buffer.from(secret.data?.['booth-2-password'] ?? '', 'base64').toString(), 'from-values');
  assert.equal(Buffer.from(secret.data?.['studio-a-password'] ?? '', 'base64').toString().length, 32);
});

await test('NATS has users by default (service, step, operator, viewer; no anonymous access), passwords only in a Secret, and a hook Job provisions the streams', () => {
  const objects = render();
  const conf = find<V1ConfigMap>(objects, 'ConfigMap', 'demo-signflow-nats').data?.['nats.conf'] ?? '';
  for (const user of ['signflow', 'step', 'operator', 'viewer']) assert.match(conf, new RegExp(`\\{ user: ${user}, password: \\$SIGNFLOW_NATS_`), user);
  assert.doesNotMatch(conf, /no_auth_user/, 'anonymous clients are refused');
  const internal = find<V1Secret>(objects, 'Secret', 'demo-signflow-nats-internal');
  assert.deepEqual(Object.keys(internal.data ?? {}).sort(), ['operator-password', 'password', 'step-password', 'viewer-password']);
  const job = find<V1Job>(objects, 'Job', 'demo-signflow-nats-provision');
  assert.deepEqual(job.spec?.template.spec?.containers[0]?.command, ['signflow', 'nats', 'provision']);
  assert.match(job.metadata?.annotations?.['helm.sh/hook'] ?? '', /post-install/);
  const env = job.spec?.template.spec?.containers[0]?.env ?? [];
  assert.match(env.find((e) => e.name === 'SIGNFLOW_NATS_URL')?.value ?? '', /^nats:\/\/signflow:\$\(SIGNFLOW_NATS_PASSWORD\)@/);
});

await test('API auth is on: every API replica gets the same generated admin token from a Secret', () => {
  const objects = render();
  const api = find<V1Deployment>(objects, 'Deployment', 'demo-signflow-api');
  const env = api.spec?.template.spec?.containers[0]?.env ?? [];
  assert.deepEqual(env.find((e) => e.name === 'SIGNFLOW_API_ADMIN_TOKEN')?.valueFrom?.secretKeyRef, { name: 'demo-signflow-api-admin-token', key: 'token' });
  const secret = find<V1Secret>(objects, 'Secret', 'demo-signflow-api-admin-token');
  assert.equal(Buffer.from(secret.data?.['token'] ?? '', 'base64').toString().length, 48);
});

await test('extraction pools and the transcriber scale on CPU by default, on JetStream lag with KEDA; each has a PDB', () => {
  const objects = render();
  const hpas = objects.filter((o) => o.kind === 'HorizontalPodAutoscaler') as V2HorizontalPodAutoscaler[];
  assert.deepEqual(hpas.map((h) => h.spec?.scaleTargetRef.name).sort(), ['demo-signflow-extraction-cpu', 'demo-signflow-transcriber']);
  assert.ok(hpas.every((h) => h.spec?.metrics?.[0]?.resource?.name === 'cpu'));
  const pdbs = objects.filter((o) => o.kind === 'PodDisruptionBudget').map((o) => o.metadata?.name).sort();
  assert.deepEqual(pdbs, ['demo-signflow-api', 'demo-signflow-extraction-cpu', 'demo-signflow-transcriber']);
  const keda = render(valueSets['keda']);
  assert.equal(keda.filter((o) => o.kind === 'HorizontalPodAutoscaler').length, 0);
  const scaled = keda.filter((o) => o.kind === 'ScaledObject') as (KubernetesObject & { spec: { triggers: { type: string; metadata: Record<string, string> }[] } })[];
  assert.equal(scaled.length, 2);
  assert.ok(scaled.every((s) => s.spec.triggers[0]?.type === 'nats-jetstream'));
  assert.deepEqual(scaled.map((s) => `${s.spec.triggers[0]?.metadata['stream']}/${s.spec.triggers[0]?.metadata['consumer']}`).sort(), ['SIGNFLOW_FRAMES/extract-default', 'SIGNFLOW_LANDMARKS/transcriber-default']);
});

await test('NetworkPolicies deny ingress and egress by default and open only the needed flows (see network.test.ts)', () => {
  const names = new Set(render(valueSets['full']).filter((o) => o.kind === 'NetworkPolicy').map((o) => `${o.metadata?.namespace}/${o.metadata?.name}`));
  const expected = [
    'signflow-jobs/demo-signflow-steps-deny-ingress',
    'signflow-jobs/demo-signflow-steps-egress',
    'signflow/demo-signflow-api',
    'signflow/demo-signflow-default-deny-egress',
    'signflow/demo-signflow-default-deny-ingress',
    'signflow/demo-signflow-egress-apiserver',
    'signflow/demo-signflow-egress-nats',
    'signflow/demo-signflow-egress-temporal',
    'signflow/demo-signflow-metrics',
    'signflow/demo-signflow-nats',
    'signflow/demo-signflow-temporal',
  ];
  for (const name of expected) assert.ok(names.has(name), `missing NetworkPolicy ${name}; rendered: ${[...names].join(', ')}`);
  assert.equal(render(valueSets['external']).filter((o) => o.kind === 'NetworkPolicy').length, 0);
});

await test('values.schema.json rejects bad values with the path of the field', () => {
  const cases: [Record<string, unknown>, RegExp][] = [
    [{ 'api.replicas': 'two' }, /\/api\/replicas/],
    [{ 'runs.namespace': 'Not_A_Namespace' }, /\/runs\/namespace/],
    [{ 'containerSecurityContext.readOnlyRootFilesystem': false }, /readOnlyRootFilesystem/],
    [{ 'transcriber.resources': { limits: { memory: 'lots' } } }, /\/transcriber\/resources\/limits\/memory/],
    [{ 'nats.enabled': false }, /nats\.externalUrl is required/],
  ];
  for (const [values, expected] of cases) {
    const result = helm(['template', 'demo', chartDir, ...valueFlags(values)]);
    assert.notEqual(result.status, 0, JSON.stringify(values));
    assert.match(result.stderr, expected);
  }
});
