import { ApiextensionsV1Api, type KubeConfig, type V1CustomResourceDefinition } from '@kubernetes/client-node';
import { waitFor } from '@signflow/stack';

/**
 * kwok's per-pod `Logs` resource (kwok.x-k8s.io/v1alpha1), trimmed from kwok's
 * kustomize/crd/bases/kwok.x-k8s.io_logs.yaml (Apache-2.0). With `--enable-crds=Logs` kwok watches
 * these, so a test can point one pod's container log at its own file while the cluster-wide
 * `ClusterLogs` config serves every other pod.
 */
const logsCrd: V1CustomResourceDefinition = {
  apiVersion: 'apiextensions.k8s.io/v1',
  kind: 'CustomResourceDefinition',
  metadata: { name: 'logs.kwok.x-k8s.io' },
  spec: {
    group: 'kwok.x-k8s.io',
    names: { kind: 'Logs', listKind: 'LogsList', plural: 'logs', singular: 'logs' },
    scope: 'Namespaced',
    versions: [
      {
        name: 'v1alpha1',
        served: true,
        storage: true,
        subresources: { status: {} },
        schema: {
          openAPIV3Schema: {
            type: 'object',
            properties: {
              apiVersion: { type: 'string' },
              kind: { type: 'string' },
              metadata: { type: 'object' },
              spec: {
                type: 'object',
                required: ['logs'],
                properties: {
                  logs: {
                    type: 'array',
                    items: {
                      type: 'object',
                      properties: {
                        containers: { type: 'array', items: { type: 'string' } },
                        follow: { type: 'boolean' },
                        logsFile: { type: 'string' },
                        previousLogsFile: { type: 'string' },
                      },
                    },
                  },
                },
              },
              status: { type: 'object', x_kubernetes_preserve_unknown_fields: true },
            },
          },
        },
      },
    ],
  },
};

export const KWOK_LOGS = { group: 'kwok.x-k8s.io', version: 'v1alpha1', plural: 'logs' } as const;

/** Installs the Logs CRD and waits until it is served (kwok lists it at start). */
export async function installKwokLogsCrd(kubeConfig: KubeConfig, timeoutMs: number): Promise<void> {
  const api = kubeConfig.makeApiClient(ApiextensionsV1Api);
  await api.createCustomResourceDefinition({ body: logsCrd });
  await waitFor(
    'kwok Logs CRD established',
    async () => {
      const crd = await api.readCustomResourceDefinition({ name: 'logs.kwok.x-k8s.io' });
      return crd.status?.conditions?.some((c) => c.type === 'Established' && c.status === 'True') ? true : undefined;
    },
    { timeoutMs, intervalMs: 50 },
  );
}
