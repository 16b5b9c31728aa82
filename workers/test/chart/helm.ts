import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import assert from 'node:assert/strict';
import type { KubernetesObject, V1Service } from '@kubernetes/client-node';
import { parseAllDocuments } from 'yaml';
import { repoRoot } from '@signflow/stack';
import { requireKubeTool } from '../k8s-harness/index.js';

export const chartDir = join(repoRoot, 'charts', 'signflow');

export interface HelmResult {
  status: number | null;
  stdout: string;
  stderr: string;
}

/** Runs the pinned helm with `args`; never throws on a non-zero exit. */
export function helm(args: string[]): HelmResult {
  const result = spawnSync(requireKubeTool('helm'), args, { encoding: 'utf8', env: { ...process.env, HELM_CACHE_HOME: '/tmp/signflow-helm-cache', HELM_CONFIG_HOME: '/tmp/signflow-helm-config', HELM_DATA_HOME: '/tmp/signflow-helm-data' } });
  return { status: result.status, stdout: result.stdout, stderr: result.stderr };
}

/** `--set-json` flags for a values object. */
export function valueFlags(values: Record<string, unknown>): string[] {
  return Object.entries(values).flatMap(([key, value]) => ['--set-json', `${key}=${JSON.stringify(value)}`]);
}

/** Renders the chart into objects, or throws with helm's stderr. */
export function render(values: Record<string, unknown> = {}, namespace = 'signflow', release = 'demo'): KubernetesObject[] {
  const result = helm(['template', release, chartDir, '--namespace', namespace, ...valueFlags(values)]);
  if (result.status !== 0) throw new Error(`helm template failed:\n${result.stderr}`);
  const docs = parseAllDocuments(result.stdout).map((d) => d.toJS({ maxAliasCount: -1 }) as unknown);
  return docs.filter((o): o is KubernetesObject => o !== null && typeof o === 'object');
}

export function find<T extends KubernetesObject>(objects: KubernetesObject[], kind: string, name: string): T {
  const found = objects.find((o) => o.kind === kind && o.metadata?.name === name);
  if (!found) throw new Error(`no ${kind} ${name} in: ${objects.map((o) => `${o.kind}/${o.metadata?.name}`).join(', ')}`);
  return found as T;
}

/** Value sets the chart is linted, rendered and (in chart.it.test.ts) applied with. */
export const valueSets: Record<string, Record<string, unknown>> = {
  defaults: {},
  full: {
    'temporal.devServer.enabled': true,
    'extraction.pools.gpu.enabled': true,
    'cameraAgents.rigs': [{ name: 'studio-a' }, { name: 'booth-2', password: 'from-values' }],
    'runs.namespace': 'signflow-jobs',
    'networkPolicy.natsFrom': [{ ipBlock: { cidr: '192.0.2.0/24' } }],
    'networkPolicy.apiFrom': [{ namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'ingress' } } }],
  },
  external: {
    'nats.enabled': false,
    'nats.externalUrl': 'nats://nats.shared.svc',
    'api.enabled': false,
    'transcriber.autoscaling.enabled': false,
    'networkPolicy.enabled': false,
    'runs.createNamespace': false,
  },
  keda: { 'keda.enabled': true },
};

/** The client port of the bundled NATS, as its Service renders it (the chart's `nats.port`). */
export function natsClientPort(objects: KubernetesObject[]): number {
  const port = find<V1Service>(objects, 'Service', 'demo-signflow-nats').spec?.ports?.find((p) => p.name === 'client')?.port;
  assert.ok(port, 'the NATS Service has a client port');
  return port;
}
