import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { KubernetesObject, V1Deployment, V1Job, V1LabelSelector, V1NetworkPolicy, V1NetworkPolicyPeer, V1StatefulSet } from '@kubernetes/client-node';
import { natsClientPort, render, valueSets } from './helm.js';

/** A label selector as the API server reads it: every matchLabel and every expression must hold. */
function matches(selector: V1LabelSelector | undefined, labels: Record<string, string>): boolean {
  if (!selector) return true;
  for (const [k, v] of Object.entries(selector.matchLabels ?? {})) if (labels[k] !== v) return false;
  for (const e of selector.matchExpressions ?? []) {
    const value = labels[e.key];
    if (e.operator === 'In' && (value === undefined || !e.values?.includes(value))) return false;
    if (e.operator === 'NotIn' && value !== undefined && e.values?.includes(value)) return false;
    if (e.operator === 'Exists' && value === undefined) return false;
    if (e.operator === 'DoesNotExist' && value !== undefined) return false;
  }
  return true;
}

interface Pod {
  name: string;
  namespace: string;
  labels: Record<string, string>;
}

/** The pods a render makes (by their template labels), plus a step pod in the runs namespace. */
function podsOf(objects: KubernetesObject[], runsNamespace: string): Pod[] {
  const pods: Pod[] = [];
  for (const o of objects) {
    if (o.kind !== 'Deployment' && o.kind !== 'StatefulSet' && o.kind !== 'Job') continue;
    const labels = (o as V1Deployment | V1StatefulSet | V1Job).spec?.template.metadata?.labels ?? {};
    pods.push({ name: labels['app.kubernetes.io/component'] ?? o.metadata?.name ?? '?', namespace: o.metadata?.namespace ?? '', labels });
  }
  pods.push({ name: 'step', namespace: runsNamespace, labels: { 'app.kubernetes.io/managed-by': 'signflow', 'signflow.dev/run': 'r1' } });
  return pods;
}

/** What a pod may send to, as "port/protocol → peer" strings ("any" for a rule with no peers). */
function egressOf(pod: Pod, policies: V1NetworkPolicy[], pods: Pod[]): { isolated: boolean; flows: Set<string> } {
  const mine = policies.filter((p) => p.metadata?.namespace === pod.namespace && matches(p.spec?.podSelector, pod.labels) && p.spec?.policyTypes?.includes('Egress'));
  const flows = new Set<string>();
  const peerName = (peer: V1NetworkPolicyPeer): string => {
    if (peer.ipBlock) return `ip:${peer.ipBlock.cidr}`;
    if (peer.namespaceSelector) return `ns:${JSON.stringify(peer.namespaceSelector.matchLabels)}/${JSON.stringify(peer.podSelector?.matchLabels ?? {})}`;
    const hit = pods.filter((p) => p.namespace === pod.namespace && matches(peer.podSelector, p.labels)).map((p) => p.name);
    return `pods:${hit.sort().join('+')}`;
  };
  for (const policy of mine) {
    for (const rule of policy.spec?.egress ?? []) {
      assert.ok(rule.ports?.length, `${policy.metadata?.name}: an egress rule without ports allows everything`);
      for (const port of rule.ports ?? []) {
        const peers = rule.to?.length ? rule.to.map(peerName) : ['any'];
        for (const peer of peers) flows.add(`${String(port.port)}/${port.protocol ?? 'TCP'} → ${peer}`);
      }
    }
  }
  return { isolated: mine.length > 0, flows };
}

const DNS = ['53/UDP → ns:{"kubernetes.io/metadata.name":"kube-system"}/{"k8s-app":"kube-dns"}', '53/TCP → ns:{"kubernetes.io/metadata.name":"kube-system"}/{"k8s-app":"kube-dns"}'];

function egressByPod(values: Record<string, unknown>, runs: string): Map<string, string[]> {
  const objects = render(values);
  const policies = objects.filter((o) => o.kind === 'NetworkPolicy') as V1NetworkPolicy[];
  const pods = podsOf(objects, runs);
  const out = new Map<string, string[]>();
  for (const pod of pods) {
    const { isolated, flows } = egressOf(pod, policies, pods);
    assert.ok(isolated, `${pod.name}: no egress policy selects it, so it may send anywhere`);
    out.set(pod.name, [...flows].sort());
  }
  return out;
}

await test('egress is denied by default: each pod reaches only DNS and the services it uses (bundled NATS and Temporal)', () => {
  const egress = egressByPod(valueSets['full'] ?? {}, 'signflow-jobs');
  const natsPort = natsClientPort(render(valueSets['full'] ?? {}));
  const nats = `${natsPort}/TCP → pods:nats`;
  const temporal = '7233/TCP → pods:temporal';
  const apiServer = ['443/TCP → any', '6443/TCP → any'];
  assert.deepEqual(egress.get('api'), [...DNS, nats, temporal].sort());
  assert.deepEqual(egress.get('pipeline-worker'), [...DNS, nats, temporal, ...apiServer].sort());
  for (const client of ['extraction-cpu', 'extraction-gpu', 'transcriber']) assert.deepEqual(egress.get(client), [...DNS, nats].sort(), client);
  for (const server of ['nats', 'temporal']) assert.deepEqual(egress.get(server), [...DNS].sort(), server);
  // step pods open the NATS artifact and dataset stores: only the bundled server's pods, in its namespace
  const natsFromSteps = `${natsPort}/TCP → ns:{"kubernetes.io/metadata.name":"signflow"}/{"app.kubernetes.io/name":"signflow","app.kubernetes.io/instance":"demo","app.kubernetes.io/component":"nats"}`;
  assert.deepEqual(egress.get('step'), [...DNS, natsFromSteps].sort(), 'step pods: DNS and NATS only');
});

await test('egress to an external Temporal and NATS, the API server and an S3 artifact store goes only to the given peers and ports', () => {
  const values = {
    'nats.enabled': false,
    'nats.externalUrl': 'nats://nats.shared.svc:4333',
    'temporal.address': 'temporal-frontend.temporal.svc:7243',
    'networkPolicy.egress.temporalTo': [{ namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'temporal' } } }],
    'networkPolicy.egress.apiServerTo': [{ ipBlock: { cidr: '10.0.0.10/32' } }],
    'networkPolicy.egress.apiServerPorts': [6443],
    'networkPolicy.egress.artifactStorePorts': [9000],
    'networkPolicy.egress.artifactStoreTo': [{ ipBlock: { cidr: '10.20.0.0/16' } }],
  };
  const egress = egressByPod(values, 'signflow-runs');
  const s3 = '9000/TCP → ip:10.20.0.0/16';
  const temporal = '7243/TCP → ns:{"kubernetes.io/metadata.name":"temporal"}/{}';
  assert.deepEqual(egress.get('pipeline-worker'), [...DNS, '4333/TCP → any', temporal, '6443/TCP → ip:10.0.0.10/32', s3].sort());
  assert.deepEqual(egress.get('api'), [...DNS, '4333/TCP → any', temporal, s3].sort());
  assert.deepEqual(egress.get('step'), [...DNS, '4333/TCP → any', s3].sort());
});
