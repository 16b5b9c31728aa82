import type { V1Job, V1Pod, V1ContainerStatus } from '@kubernetes/client-node';
import type { StepOutcome } from '@signflow/pipelines';
import type { RetryPolicy } from './options.js';
import { STEP_CONTAINER } from './spec.js';

/** Waiting reasons after which the container will not start without a change to the step. */
const IMAGE_PULL_REASONS = new Set(['ErrImagePull', 'ImagePullBackOff', 'InvalidImageName', 'ErrImageNeverPull', 'RegistryUnavailable']);
const CONFIG_REASONS = new Set(['CreateContainerConfigError', 'CreateContainerError', 'RunContainerError']);

/** What the step's Job and pod say right now. */
export type StepState =
  | { kind: 'pending'; phase: string; detail?: string; pod?: string }
  | { kind: 'running'; pod: string }
  | { kind: 'image-pull-failing'; pod: string; image: string; reason: string; message: string }
  | { kind: 'done'; outcome: StepOutcome; pod?: string };

function stepStatus(pod: V1Pod): V1ContainerStatus | undefined {
  return pod.status?.containerStatuses?.find((s) => s.name === STEP_CONTAINER);
}

function isTerminal(pod: V1Pod): boolean {
  return pod.status?.phase === 'Succeeded' || pod.status?.phase === 'Failed';
}

function failed(reason: string, exitCode: number | null, retryable: boolean): StepOutcome {
  return { status: 'failed', exitCode, retryable, reason };
}

function tail(text: string | undefined, max = 400): string {
  const t = (text ?? '').trim();
  return t.length > max ? `…${t.slice(-max)}` : t;
}

/** Maps a terminal pod to the step's outcome, per the retry policy. */
export function outcomeOfPod(pod: V1Pod, policy: RetryPolicy): StepOutcome {
  const status = stepStatus(pod);
  const terminated = status?.state?.terminated;
  if (pod.status?.phase === 'Succeeded') {
    const outputs = terminated?.message?.trim();
    return outputs ? { status: 'succeeded', exitCode: 0, outputsJson: outputs } : { status: 'succeeded', exitCode: 0 };
  }
  const exitCode = terminated?.exitCode ?? null;
  const disruption = pod.status?.conditions?.find((c) => c.type === 'DisruptionTarget' && c.status === 'True');
  if (pod.status?.reason === 'Evicted' || disruption) {
    const why = pod.status?.message ?? disruption?.message ?? disruption?.reason ?? 'evicted';
    return failed(`pod ${pod.metadata?.name} was evicted or preempted: ${why}`, exitCode, policy.evicted);
  }
  if (terminated?.reason === 'OOMKilled') {
    return failed(`step container was OOM-killed (memory limit ${memoryLimit(pod)}): raise the step's memory`, exitCode, policy.oomKilled);
  }
  if (exitCode !== null) {
    const message = tail(terminated?.message);
    return failed(`step exited with code ${exitCode}${message ? `: ${message}` : ''}`, exitCode, policy.retryableExitCodes.includes(exitCode));
  }
  return failed(`pod ${pod.metadata?.name} failed: ${pod.status?.reason ?? 'unknown reason'} ${pod.status?.message ?? ''}`.trim(), null, policy.podLost);
}

function memoryLimit(pod: V1Pod): string {
  return pod.spec?.containers.find((c) => c.name === STEP_CONTAINER)?.resources?.limits?.['memory'] ?? 'unset';
}

function jobCondition(job: V1Job | undefined, type: string) {
  return job?.status?.conditions?.find((c) => c.type === type && c.status === 'True');
}

/**
 * The state of a step from its Job and its pods (as the watches last saw them). A terminal pod
 * decides the outcome; a Job that failed without one (deadline, pod deleted or lost) decides it
 * from its condition.
 */
export function stepState(job: V1Job | undefined, pods: readonly V1Pod[], policy: RetryPolicy): StepState {
  const live = pods.filter((p) => !p.metadata?.deletionTimestamp || isTerminal(p));
  const terminal = live.find(isTerminal);
  const deadline = jobCondition(job, 'Failed');
  if (deadline?.reason === 'DeadlineExceeded') {
    const seconds = job?.spec?.activeDeadlineSeconds;
    return { kind: 'done', outcome: failed(`step exceeded its timeout${seconds ? ` of ${seconds}s` : ''}`, null, false), pod: terminal?.metadata?.name };
  }
  if (terminal) return { kind: 'done', outcome: outcomeOfPod(terminal, policy), pod: terminal.metadata?.name };
  if (deadline) {
    const why = `${deadline.reason ?? 'Failed'}${deadline.message ? `: ${deadline.message}` : ''}`;
    return { kind: 'done', outcome: failed(`Job failed without a finished pod (${why}); the pod was deleted or lost with its node`, null, policy.podLost) };
  }
  if (jobCondition(job, 'Complete')) return { kind: 'done', outcome: { status: 'succeeded', exitCode: 0 } };
  const pod = live[0];
  if (!pod) return { kind: 'pending', phase: 'JobCreated' };
  const name = pod.metadata?.name ?? '';
  const status = stepStatus(pod);
  const waiting = status?.state?.waiting;
  if (waiting?.reason && IMAGE_PULL_REASONS.has(waiting.reason)) {
    return { kind: 'image-pull-failing', pod: name, image: status?.image ?? '', reason: waiting.reason, message: waiting.message ?? '' };
  }
  if (waiting?.reason && CONFIG_REASONS.has(waiting.reason)) {
    return { kind: 'done', outcome: failed(`step container cannot start (${waiting.reason}): ${waiting.message ?? ''}`.trim(), null, false), pod: name };
  }
  if (status?.state?.running || pod.status?.phase === 'Running') return { kind: 'running', pod: name };
  const unschedulable = pod.status?.conditions?.find((c) => c.type === 'PodScheduled' && c.status === 'False');
  const detail = unschedulable?.message ?? waiting?.reason;
  return detail ? { kind: 'pending', phase: pod.status?.phase ?? 'Pending', detail, pod: name } : { kind: 'pending', phase: pod.status?.phase ?? 'Pending', pod: name };
}

/** The outcome for an image that cannot be pulled, with the fix in the message. */
export function imagePullOutcome(state: Extract<StepState, { kind: 'image-pull-failing' }>, serviceAccount: string | undefined): StepOutcome {
  const detail = state.message ? `: ${state.message}` : '';
  return failed(
    `image ${state.image} cannot be pulled (${state.reason}${detail}); check the image name and tag, that the registry is reachable from the cluster, and the imagePullSecrets of service account ${serviceAccount ?? 'default'}`,
    null,
    false,
  );
}
