import { test } from 'node:test';
import assert from 'node:assert/strict';
import { CoreV1Api, KubeConfig, KubernetesObjectApi, PatchStrategy, type KubernetesObject, type V1Deployment } from '@kubernetes/client-node';
import { waitFor } from '@signflow/testkit';
import { KubernetesExecutor, kubernetesExecutorOptionsFromEnv } from '../../src/executors/kubernetes/index.js';
import { startTestCluster } from '../k8s-harness/index.js';
import { recordingContext } from '../kubernetes/context.js';
import { find, render, valueSets } from './helm.js';

await using cluster = await startTestCluster({ gpus: 2 });
const admin = cluster.kubeConfig();
const objects = KubernetesObjectApi.makeApiClient(admin);
const core = admin.makeApiClient(CoreV1Api);

async function ensureNamespace(name: string): Promise<void> {
  const existing = await core.listNamespace();
  if (!existing.items.some((n) => n.metadata?.name === name)) await cluster.createNamespace(name);
}

/** Server-side apply of every object (dry run unless `persist`); resolves with the failures. */
async function apply(rendered: KubernetesObject[], persist = false): Promise<string[]> {
  const failures: string[] = [];
  for (const obj of rendered) {
    try {
      await objects.patch(obj, undefined, persist ? undefined : 'All', 'signflow-chart-test', true, PatchStrategy.ServerSideApply);
    } catch (err) {
      failures.push(`${obj.kind}/${obj.metadata?.name}: ${err instanceof Error ? err.message.slice(0, 300) : String(err)}`);
    }
  }
  return failures;
}

const releases: Record<string, { namespace: string; runs: string }> = {
  defaults: { namespace: 'sf-defaults', runs: 'sf-defaults-runs' },
  full: { namespace: 'sf-full', runs: 'signflow-jobs' },
  external: { namespace: 'sf-external', runs: 'sf-external-runs' },
};

for (const [name, where] of Object.entries(releases)) {
  await test(`the ${name} render passes a server-side dry-run apply on the API server`, async () => {
    await ensureNamespace(where.namespace);
    await ensureNamespace(where.runs);
    const rendered = render(valueSets[name], where.namespace);
    assert.ok(rendered.length > 10);
    assert.deepEqual(await apply(rendered), []);
  });
}

await test("a pipeline worker with only the chart's Role runs, follows, logs and cancels GPU steps in the runs namespace", async () => {
  const namespace = 'sf-rbac';
  await ensureNamespace(namespace);
  const rendered = render({}, namespace);
  // For real this time: the runs namespace, service accounts, Role and RoleBinding.
  const rbac = rendered.filter((o) => ['Namespace', 'ServiceAccount', 'Role', 'RoleBinding'].includes(o.kind ?? ''));
  assert.deepEqual(await apply(rbac, true), []);
  const worker = find<V1Deployment>(rendered, 'Deployment', 'demo-signflow-pipeline-worker').spec?.template.spec;
  const env = Object.fromEntries((worker?.containers[0]?.env ?? []).map((e) => [e.name, e.value]));
  const options = kubernetesExecutorOptionsFromEnv(env);

  // The worker's identity: a token of its service account, as in-cluster config would read it.
  const token = await core.createNamespacedServiceAccountToken({ name: worker?.serviceAccountName ?? '', namespace, body: { spec: { audiences: [], expirationSeconds: 3600 } } });
  const server = admin.getCurrentCluster();
  const kc = new KubeConfig();
  kc.loadFromOptions({
    clusters: [{ name: 'test', server: server?.server ?? '', caData: server?.caData, skipTLSVerify: false }],
    users: [{ name: 'pipeline-worker', token: token.status?.token }],
    contexts: [{ name: 'worker', cluster: 'test', user: 'pipeline-worker' }],
    currentContext: 'worker',
  });
  await assert.rejects(kc.makeApiClient(CoreV1Api).listNamespacedSecret({ namespace: options.namespace }), (err: unknown) => (err as { code?: number }).code === 403);

  await using executor = new KubernetesExecutor({ ...options, heartbeatIntervalMs: 200 }, { kubeConfig: kc });
  await cluster.writeContainerLog(['fitting on the GPU']);
  const ctx = recordingContext();
  const outcome = await executor.run(
    { runId: 'rbac-1', stepId: 'train', attempt: 1, command: ['signflow-step', 'train'], env: { SIGNFLOW_SIM_RUN_FOR: '200ms' }, resources: { gpu: { kind: 'dra', deviceClassName: cluster.deviceClass, count: 1 } } },
    ctx,
  );
  assert.equal(outcome.status, 'succeeded');
  assert.equal(ctx.log(), 'fitting on the GPU\n');

  const abort = new AbortController();
  const cancelled = recordingContext(abort.signal);
  const running = executor.run({ runId: 'rbac-2', stepId: 'train', attempt: 1, command: ['signflow-step', 'train'], env: { SIGNFLOW_SIM_RUN_FOR: '10m' }, resources: { gpu: { kind: 'count', count: 1 } } }, cancelled);
  await waitFor('running', async () => (cancelled.heartbeats.some((h) => h['state'] === 'Running') ? true : undefined), { timeoutMs: 20_000 });
  abort.abort();
  await assert.rejects(running);
  assert.equal((await core.listNamespacedPod({ namespace: options.namespace, labelSelector: 'signflow.dev/run=rbac-2' })).items.length, 0);
});
