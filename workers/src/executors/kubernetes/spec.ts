import type { V1Job, V1Container, V1PodSpec, V1ResourceClaimTemplate, V1Toleration, V1EnvVar } from '@kubernetes/client-node';
import type { StepLaunch } from '@signflow/pipelines';
import { ANNOTATIONS, LABELS, MANAGED_BY, claimTemplateName, jobName, labelValue } from './names.js';
import type { KubernetesExecutorOptions } from './options.js';
import { KubernetesSpecError } from './errors.js';
import { outputsKeyFor } from './outputs.js';
import { OUTPUTS_KEY_ENV } from '../../steps/outputs-document.js';

/** Where the step finds its documents inside the pod (see the contract in pipelines' executor types). */
export const STEP_PATHS = {
  inputsDir: '/var/run/signflow/inputs',
  inputs: '/var/run/signflow/inputs/inputs.json',
  /** The container's termination message: the kubelet keeps it in the pod status after exit. */
  outputs: '/dev/termination-log',
  workdir: '/var/run/signflow/work',
  tmp: '/tmp',
} as const;
export const STEP_CONTAINER = 'step';
/** The kubelet keeps at most 4096 bytes of a termination message. */
export const MAX_OUTPUTS_BYTES = 4096;
/** All annotations of an object share 256 KiB; the inputs document gets most of it. */
const MAX_INPUTS_BYTES = 200 * 1024;

export interface StepObjects {
  job: V1Job;
  /** Present when the step asks for GPUs through Dynamic Resource Allocation. */
  claimTemplate?: V1ResourceClaimTemplate;
}

function labelsFor(launch: StepLaunch, name: string): Record<string, string> {
  return {
    [LABELS.managedBy]: MANAGED_BY,
    [LABELS.component]: 'step',
    [LABELS.run]: labelValue(launch.runId),
    [LABELS.step]: labelValue(launch.stepId),
    [LABELS.attempt]: String(launch.attempt),
    [LABELS.job]: name,
  };
}

function resourcesFor(launch: StepLaunch, options: KubernetesExecutorOptions, claimName: string | undefined): NonNullable<V1Container['resources']> {
  const cpu = launch.resources.cpu ?? options.defaultCpu;
  const memory = launch.resources.memory ?? options.defaultMemory;
  const requests: Record<string, string> = { cpu, memory };
  const limits: Record<string, string> = { cpu, memory };
  const gpu = launch.resources.gpu;
  if (gpu?.kind === 'count') {
    // Extended resources may only be set as limits (requests default to them) and must be whole.
    limits[gpu.resourceName ?? 'nvidia.com/gpu'] = String(gpu.count);
  }
  return claimName ? { requests, limits, claims: [{ name: claimName }] } : { requests, limits };
}

function envFor(launch: StepLaunch, name: string, options: KubernetesExecutorOptions): V1EnvVar[] {
  const env: Record<string, string> = {
    ...options.stepEnv,
    ...launch.env,
    SIGNFLOW_STEP_OUTPUTS: STEP_PATHS.outputs,
    SIGNFLOW_STEP_WORKDIR: STEP_PATHS.workdir,
    // Documents over the 4 KiB of a termination message go to the store (a reference comes back).
    ...(launch.env['SIGNFLOW_ARTIFACT_STORE'] ? { [OUTPUTS_KEY_ENV]: outputsKeyFor(launch, name) } : {}),
  };
  if (launch.inputsJson !== undefined) env['SIGNFLOW_STEP_INPUTS'] = STEP_PATHS.inputs;
  // secrets first: Kubernetes expands `$(VAR)` only from variables defined earlier in the list
  const fromSecrets = Object.entries(options.stepSecretEnv).map(([name, ref]) => ({ name, valueFrom: { secretKeyRef: { name: ref.secret, key: ref.key } } }));
  return [...fromSecrets, ...Object.entries(env).filter(([name]) => !(name in options.stepSecretEnv)).map(([name, value]) => ({ name, value }))];
}

function tolerationsFor(launch: StepLaunch, options: KubernetesExecutorOptions): V1Toleration[] {
  const own = launch.placement?.tolerations ?? [];
  const pool = launch.resources.gpu ? options.gpuTolerations : [];
  const seen = new Set<string>();
  const out: V1Toleration[] = [];
  for (const t of [...own, ...pool]) {
    const key = JSON.stringify([t.key, t.operator, t.value, t.effect]);
    if (seen.has(key)) continue;
    seen.add(key);
    out.push({ key: t.key, operator: t.operator, value: t.value, effect: t.effect });
  }
  return out;
}

function claimTemplateFor(launch: StepLaunch, name: string, labels: Record<string, string>, namespace: string): V1ResourceClaimTemplate | undefined {
  const gpu = launch.resources.gpu;
  if (gpu?.kind !== 'dra') return undefined;
  return {
    apiVersion: 'resource.k8s.io/v1',
    kind: 'ResourceClaimTemplate',
    metadata: { name: claimTemplateName(name), namespace, labels },
    spec: {
      spec: {
        devices: {
          requests: [
            {
              name: 'gpu',
              exactly: {
                deviceClassName: gpu.deviceClassName,
                allocationMode: 'ExactCount',
                count: gpu.count,
                ...(gpu.selectors?.length ? { selectors: gpu.selectors.map((expression) => ({ cel: { expression } })) } : {}),
              },
            },
          ],
        },
      },
    },
  };
}

/** The launch's image (or the default) after the overrides; a GPU step on the default image gets the GPU image. */
function imageFor(launch: StepLaunch, options: KubernetesExecutorOptions): string | undefined {
  const named = launch.image ?? options.defaultImage;
  const image = named === undefined ? undefined : (options.imageOverrides[named] ?? named);
  if (launch.resources.gpu && options.gpuImage && image !== undefined && image === options.defaultImage) return options.gpuImage;
  return image;
}

function validate(launch: StepLaunch, image: string | undefined): asserts image is string {
  if (!image) throw new KubernetesSpecError(launch.stepId, 'no container image: set the component image or the executor defaultImage');
  if (launch.command.length === 0) throw new KubernetesSpecError(launch.stepId, 'empty command: a step needs an argv');
  const gpu = launch.resources.gpu;
  if (gpu && (!Number.isInteger(gpu.count) || gpu.count < 1)) {
    throw new KubernetesSpecError(launch.stepId, `gpu.count must be a whole number ≥ 1, got ${gpu.count}`);
  }
  if (launch.inputsJson !== undefined && Buffer.byteLength(launch.inputsJson) > MAX_INPUTS_BYTES) {
    throw new KubernetesSpecError(launch.stepId, `inputs document is ${Buffer.byteLength(launch.inputsJson)} bytes, over ${MAX_INPUTS_BYTES}: pass large values as artifacts`);
  }
}

/**
 * The Kubernetes objects for one step attempt: a batch/v1 Job (backoffLimit 0: Temporal owns
 * retries) whose pod runs the step's argv as a non-root user on a read-only root filesystem, with
 * the inputs document mounted from an annotation (downward API, so no ConfigMap is needed) and the
 * outputs document read back from the termination message (or, over 4 KiB, from the artifact store
 * by the reference the message holds); plus a ResourceClaimTemplate when the
 * step's GPUs come through DRA. Pure: the same launch and nonce give the same objects.
 */
export function buildStepObjects(launch: StepLaunch, options: KubernetesExecutorOptions, nonce?: string): StepObjects {
  const image = imageFor(launch, options);
  validate(launch, image);
  const name = jobName(launch.runId, launch.stepId, launch.attempt, nonce);
  const labels = labelsFor(launch, name);
  const annotations: Record<string, string> = { [ANNOTATIONS.run]: launch.runId, [ANNOTATIONS.step]: launch.stepId };
  const claimTemplate = claimTemplateFor(launch, name, labels, options.namespace);
  const claimName = claimTemplate ? 'gpu' : undefined;
  const gpu = launch.resources.gpu;
  const hasInputs = launch.inputsJson !== undefined;

  const container: V1Container = {
    name: STEP_CONTAINER,
    image,
    command: [...launch.command],
    env: envFor(launch, name, options),
    resources: resourcesFor(launch, options, claimName),
    terminationMessagePath: STEP_PATHS.outputs,
    // On a failure with no outputs written, the kubelet puts the log's tail in the message.
    terminationMessagePolicy: 'FallbackToLogsOnError',
    securityContext: {
      runAsNonRoot: true,
      readOnlyRootFilesystem: true,
      allowPrivilegeEscalation: false,
      capabilities: { drop: ['ALL'] },
    },
    volumeMounts: [
      ...(hasInputs ? [{ name: 'inputs', mountPath: STEP_PATHS.inputsDir, readOnly: true }] : []),
      { name: 'work', mountPath: STEP_PATHS.workdir },
      { name: 'tmp', mountPath: STEP_PATHS.tmp },
    ],
  };

  const podAnnotations = { ...annotations, ...(hasInputs ? { [ANNOTATIONS.inputs]: launch.inputsJson } : {}) };
  const podSpec: V1PodSpec = {
    restartPolicy: 'Never',
    serviceAccountName: launch.placement?.serviceAccountName ?? options.serviceAccountName,
    automountServiceAccountToken: false,
    nodeSelector: { ...options.nodeSelector, ...(gpu ? options.gpuNodeSelector : {}), ...launch.placement?.nodeSelector },
    tolerations: tolerationsFor(launch, options),
    securityContext: { runAsNonRoot: true, seccompProfile: { type: 'RuntimeDefault' } },
    imagePullSecrets: options.imagePullSecrets.map((secret) => ({ name: secret })),
    containers: [container],
    volumes: [
      ...(hasInputs ? [{ name: 'inputs', downwardAPI: { items: [{ path: 'inputs.json', fieldRef: { fieldPath: `metadata.annotations['${ANNOTATIONS.inputs}']` } }] } }] : []),
      { name: 'work', emptyDir: {} },
      { name: 'tmp', emptyDir: { medium: 'Memory', sizeLimit: '64Mi' } },
    ],
    ...(claimTemplate ? { resourceClaims: [{ name: 'gpu', resourceClaimTemplateName: claimTemplate.metadata?.name }] } : {}),
  };

  const job: V1Job = {
    apiVersion: 'batch/v1',
    kind: 'Job',
    metadata: { name, namespace: options.namespace, labels, annotations },
    spec: {
      backoffLimit: 0,
      completions: 1,
      parallelism: 1,
      ttlSecondsAfterFinished: options.ttlSecondsAfterFinished,
      ...(launch.timeoutMs ? { activeDeadlineSeconds: Math.max(1, Math.ceil(launch.timeoutMs / 1000)) } : {}),
      template: { metadata: { labels, annotations: podAnnotations }, spec: podSpec },
    },
  };
  return claimTemplate ? { job, claimTemplate } : { job };
}
