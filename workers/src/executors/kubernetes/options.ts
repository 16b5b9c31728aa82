import { z } from 'zod';
import { ValidationError, describeError, parseWith } from '@signflow/core';

/**
 * Which failed pods Temporal should retry. Evictions, preemptions and pods lost with their node
 * say nothing about the step, so they retry by default; a non-zero exit or an OOM-kill usually
 * repeats, so it does not (list exit codes that mean "transient" in `retryableExitCodes`).
 */
export const retryPolicySchema = z.object({
  evicted: z.boolean().default(true),
  oomKilled: z.boolean().default(false),
  podLost: z.boolean().default(true),
  retryableExitCodes: z.array(z.number().int().min(1).max(255)).default([]),
});
export type RetryPolicy = z.output<typeof retryPolicySchema>;

export const kubernetesExecutorOptionsSchema = z.object({
  /** Namespace the step Jobs run in (the executor's Role is bound there). */
  namespace: z.string().regex(/^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/, 'expected a namespace name').max(63),
  /** Image for steps whose launch names none. */
  defaultImage: z.string().min(1).optional(),
  /**
   * Component images replaced by the ones this installation runs (e.g. the catalog's
   * `signflow/worker:latest` → the release's image, at its tag).
   */
  imageOverrides: z.record(z.string(), z.string().min(1)).default({}),
  /** Image of GPU steps that would run the default image (the CUDA build, with tfjs-node-gpu). */
  gpuImage: z.string().min(1).optional(),
  /** Service account for steps whose launch names none. */
  serviceAccountName: z.string().min(1).optional(),
  imagePullSecrets: z.array(z.string().min(1)).default([]),
  /** Placement merged under each launch's own (GPU pool selectors, tolerations). */
  nodeSelector: z.record(z.string(), z.string()).default({}),
  gpuNodeSelector: z.record(z.string(), z.string()).default({}),
  gpuTolerations: z
    .array(z.object({ key: z.string(), operator: z.enum(['Exists', 'Equal']).optional(), value: z.string().optional(), effect: z.string().optional() }))
    .default([{ key: 'nvidia.com/gpu', operator: 'Exists', effect: 'NoSchedule' }]),
  /** Environment of every step container, under the launch's own (e.g. where the artifact store is mounted). */
  stepEnv: z.record(z.string(), z.string()).default({}),
  /**
   * Environment of every step container from Secrets in the runs namespace (e.g. the NATS password
   * of the artifact store), set before the others so their values may name it as `$(VAR)`.
   */
  stepSecretEnv: z.record(z.string(), z.object({ secret: z.string().min(1), key: z.string().min(1) })).default({}),
  /** Requests and limits for steps whose launch names none. */
  defaultCpu: z.string().default('500m'),
  defaultMemory: z.string().default('512Mi'),
  retry: retryPolicySchema.default({ evicted: true, oomKilled: false, podLost: true, retryableExitCodes: [] }),
  /** Finished Jobs (and their pods) are removed this long after they end; logs are already kept. */
  ttlSecondsAfterFinished: z.number().int().nonnegative().default(3600),
  /** How often a waiting step heartbeats when nothing changes. */
  heartbeatIntervalMs: z.number().int().positive().default(10_000),
  /** How long an image pull may keep failing before the step fails (0: at the first failure). */
  imagePullGraceMs: z.number().int().nonnegative().default(0),
  /** How long cancellation waits for the Job and its pods to be gone. */
  deleteTimeoutMs: z.number().int().positive().default(60_000),
});
export type KubernetesExecutorOptionsInput = z.input<typeof kubernetesExecutorOptionsSchema>;
export type KubernetesExecutorOptions = z.output<typeof kubernetesExecutorOptionsSchema>;

export function parseKubernetesExecutorOptions(input: unknown, source = 'kubernetes executor options'): KubernetesExecutorOptions {
  return parseWith(kubernetesExecutorOptionsSchema, input, source);
}

/** The env var the chart sets on the pipeline worker: the executor options as JSON. */
export const EXECUTOR_OPTIONS_ENV = 'SIGNFLOW_K8S_EXECUTOR';

/** Reads the executor options from SIGNFLOW_K8S_EXECUTOR (JSON), validated like any outside input. */
export function kubernetesExecutorOptionsFromEnv(env: NodeJS.ProcessEnv = process.env): KubernetesExecutorOptions {
  const raw = env[EXECUTOR_OPTIONS_ENV];
  if (!raw) throw new ValidationError(EXECUTOR_OPTIONS_ENV, [{ path: '', message: 'not set: give the Kubernetes executor options as JSON (the Helm chart sets it on the pipeline worker)' }]);
  let value: unknown;
  try {
    value = JSON.parse(raw);
  } catch (err) {
    throw new ValidationError(EXECUTOR_OPTIONS_ENV, [{ path: '', message: `not JSON: ${describeError(err)}` }], { cause: err });
  }
  return parseKubernetesExecutorOptions(value, EXECUTOR_OPTIONS_ENV);
}
