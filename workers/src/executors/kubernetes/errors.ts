import { SignflowError, describeError } from '@signflow/core';

/** A step launch that cannot become a Job (no image, bad GPU count, inputs too large). */
export class KubernetesSpecError extends SignflowError {
  readonly code = 'K8S_STEP_SPEC';
  constructor(
    readonly stepId: string,
    detail: string,
    options?: { cause?: unknown },
  ) {
    super(`step ${stepId}: ${detail}`, options);
  }
}

/** The API server refused or failed a call the executor needs (an executor fault, not a step failure). */
export class KubernetesApiError extends SignflowError {
  readonly code = 'K8S_API';
  constructor(
    readonly action: string,
    readonly status: number | undefined,
    options?: { cause?: unknown },
  ) {
    super(`kubernetes executor: ${action} failed${status ? ` (HTTP ${status})` : ''}: ${hintFor(status, options?.cause)}`, options);
  }
}

function hintFor(status: number | undefined, cause: unknown): string {
  if (status === 401) return 'the credentials were rejected: check the kubeconfig (KUBECONFIG, ~/.kube/config) or the service account token';
  if (status === 403) return "forbidden: the executor's Role must allow jobs, pods, pods/log and resourceclaimtemplates in its namespace";
  if (status === 404) return 'not found: check the namespace exists (and that resource.k8s.io/v1 is served for DRA GPUs)';
  return describeError(cause);
}

/** HTTP status of a client-node ApiException (or undefined for network errors). */
export function statusOf(err: unknown): number | undefined {
  if (typeof err === 'object' && err !== null && 'code' in err) {
    const code = err.code;
    if (typeof code === 'number') return code;
  }
  return undefined;
}

/** The step was cancelled; its Job and pods were deleted. */
export class KubernetesStepCancelledError extends SignflowError {
  readonly code = 'K8S_STEP_CANCELLED';
  constructor(
    readonly stepId: string,
    readonly jobName: string,
  ) {
    super(`step ${stepId} cancelled: Job ${jobName} and its pods were deleted`);
  }
}
