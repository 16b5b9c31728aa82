import type { KubeConfig } from '@kubernetes/client-node';
import type { Logger } from '@signflow/core';
import type { StepLaunch, StepOutcome, StepRunContext } from '@signflow/pipelines';
import { PodLogCopier } from './logs.js';
import type { KubernetesExecutorOptions } from './options.js';
import { imagePullOutcome, stepState, type StepState } from './outcome.js';
import type { JobSnapshot, StepWatch } from './watch.js';
import { KubernetesStepCancelledError } from './errors.js';
import { resolveStepOutputs } from './outputs.js';

export interface FollowParams {
  jobName: string;
  launch: StepLaunch;
  ctx: StepRunContext;
  options: KubernetesExecutorOptions;
  kubeConfig: KubeConfig;
  watch: StepWatch;
  log: Logger;
  deleteJob(): Promise<void>;
  /** On cancellation: deletes the Jobs the run's other steps left. */
  deleteRunJobs(): Promise<void>;
  onFinishedSeen(): void;
}

function describe(state: StepState): Record<string, unknown> {
  switch (state.kind) {
    case 'pending':
      return { state: state.phase, ...(state.detail ? { detail: state.detail } : {}), ...(state.pod ? { pod: state.pod } : {}) };
    case 'running':
      return { state: 'Running', pod: state.pod };
    case 'image-pull-failing':
      return { state: state.reason, pod: state.pod, detail: state.message };
    case 'done':
      return { state: state.outcome.status };
  }
}

/**
 * Follows one step's Job until it ends, is cancelled, or its image cannot be pulled. Every change
 * the watch reports is mapped to a StepState; the first terminal one settles the step after the
 * log copy is complete. Heartbeats go out on every change and every heartbeatIntervalMs.
 */
export function runStepFollower(p: FollowParams): Promise<StepOutcome> {
  return new Promise<StepOutcome>((resolve, reject) => {
    let settled = false;
    let copier: PodLogCopier | undefined;
    let lastState: Record<string, unknown> = {};
    let lastKey = '';
    let pullFailingSince: number | undefined;
    const beat = (details: Record<string, unknown>): void => p.ctx.heartbeat({ job: p.jobName, ...details });
    // Liveness while nothing changes (a long training step); changes beat at once below. A pod
    // stuck in image pull back-off may not change again: its grace is checked here too.
    const timer = setInterval(() => {
      beat(lastState);
      if (pullFailingSince !== undefined) onSnapshot(p.watch.snapshot(p.jobName));
    }, p.options.heartbeatIntervalMs);
    let unsubscribe: () => void = () => undefined;

    const cleanup = (): void => {
      clearInterval(timer);
      unsubscribe();
      p.ctx.signal.removeEventListener('abort', onAbort);
    };

    const finish = (work: () => Promise<StepOutcome>): void => {
      if (settled) return;
      settled = true;
      work().then(
        (outcome) => {
          cleanup();
          resolve(outcome);
        },
        (err: unknown) => {
          cleanup();
          reject(err instanceof Error ? err : new Error(String(err)));
        },
      );
    };

    const copyLogsOf = (pod: string | undefined): void => {
      if (!pod || copier) return;
      copier = new PodLogCopier(p.kubeConfig, p.options.namespace, pod, p.ctx.logs, p.log);
      copier.start();
    };

    const onSnapshot = (snapshot: JobSnapshot): void => {
      if (settled) return;
      if (snapshot.jobDeleted) {
        finish(async () => {
          await copier?.finish();
          return { status: 'failed', exitCode: null, retryable: p.options.retry.podLost, reason: `Job ${p.jobName} was deleted before the step finished` };
        });
        return;
      }
      const state = stepState(snapshot.job, snapshot.pods, p.options.retry);
      const details = describe(state);
      const key = JSON.stringify(details);
      if (key !== lastKey) {
        lastKey = key;
        lastState = details;
        beat(details);
      }
      if (state.kind === 'running') copyLogsOf(state.pod);
      if (state.kind === 'done') {
        p.onFinishedSeen();
        copyLogsOf(state.pod);
        finish(async () => {
          await copier?.finish();
          return resolveStepOutputs(state.outcome, p.launch);
        });
        return;
      }
      if (state.kind === 'image-pull-failing') {
        pullFailingSince ??= Date.now();
        if (Date.now() - pullFailingSince >= p.options.imagePullGraceMs) {
          finish(async () => {
            // The pod would stay Pending for ever: remove it, then say what to fix.
            await p.deleteJob();
            return imagePullOutcome(state, p.launch.placement?.serviceAccountName ?? p.options.serviceAccountName);
          });
        }
      } else {
        pullFailingSince = undefined;
      }
    };

    const onAbort = (): void => {
      finish(async () => {
        await copier?.finish().catch((err: unknown) => p.log.debug({ err }, 'log copy on cancel failed'));
        await p.deleteJob();
        await waitForGone(p);
        await p.deleteRunJobs().catch((err: unknown) => p.log.warn({ err }, 'deleting the Jobs of the cancelled run failed'));
        throw p.ctx.signal.reason instanceof Error ? p.ctx.signal.reason : new KubernetesStepCancelledError(p.launch.stepId, p.jobName);
      });
    };

    if (p.ctx.signal.aborted) {
      onAbort();
      return;
    }
    p.ctx.signal.addEventListener('abort', onAbort, { once: true });
    unsubscribe = p.watch.subscribe(p.jobName, onSnapshot);
  });
}

/** Resolves once the Job and all its pods are gone (foreground deletion done), or at the deadline. */
function waitForGone(p: FollowParams): Promise<void> {
  return new Promise((resolve) => {
    let unsubscribe: () => void = () => undefined;
    const timeout = setTimeout(() => {
      unsubscribe();
      p.log.warn({ job: p.jobName }, `Job not gone ${p.options.deleteTimeoutMs} ms after its deletion`);
      resolve();
    }, p.options.deleteTimeoutMs);
    unsubscribe = p.watch.subscribe(p.jobName, (snapshot) => {
      if (snapshot.jobDeleted && snapshot.pods.length === 0) {
        clearTimeout(timeout);
        unsubscribe();
        resolve();
      }
    });
  });
}
