import { randomBytes } from 'node:crypto';
import { BatchV1Api, KubeConfig, ResourceV1Api } from '@kubernetes/client-node';
import { createLogger, type Logger } from '@signflow/core';
import type { Executor, StepLaunch, StepOutcome, StepRunContext } from '@signflow/pipelines';
import { KubernetesApiError, statusOf } from './errors.js';
import { LABELS, labelValue } from './names.js';
import { parseKubernetesExecutorOptions, type KubernetesExecutorOptions, type KubernetesExecutorOptionsInput } from './options.js';
import { buildStepObjects, type StepObjects } from './spec.js';
import { StepWatch } from './watch.js';
import { runStepFollower } from './follow.js';

/** Moments the benchmark measures the executor's own overhead between. */
export type TraceEvent = 'job-created' | 'pod-finished-seen';

export interface KubernetesExecutorDeps {
  /** Defaults to `loadFromDefault()`: $KUBECONFIG, ~/.kube/config, then the in-cluster service account. */
  kubeConfig?: KubeConfig;
  logger?: Logger;
  trace?: (event: TraceEvent, jobName: string) => void;
}

function defaultKubeConfig(): KubeConfig {
  const kc = new KubeConfig();
  kc.loadFromDefault();
  return kc;
}

/**
 * Runs each step as a Kubernetes Job (see buildStepObjects for its shape), follows it through
 * shared informers, copies its log into the step's log sink as it runs, heartbeats, and deletes
 * the Job and its pods (foreground) when the step is cancelled.
 */
export class KubernetesExecutor implements Executor {
  readonly kind = 'kubernetes' as const;
  readonly options: KubernetesExecutorOptions;
  readonly kubeConfig: KubeConfig;
  private readonly log: Logger;
  private readonly batch: BatchV1Api;
  private readonly resource: ResourceV1Api;
  private readonly watch: StepWatch;

  constructor(
    options: KubernetesExecutorOptionsInput,
    private readonly deps: KubernetesExecutorDeps = {},
  ) {
    this.options = parseKubernetesExecutorOptions(options);
    this.kubeConfig = deps.kubeConfig ?? defaultKubeConfig();
    this.log = deps.logger ?? createLogger('kubernetes-executor');
    this.batch = this.kubeConfig.makeApiClient(BatchV1Api);
    this.resource = this.kubeConfig.makeApiClient(ResourceV1Api);
    this.watch = new StepWatch(this.kubeConfig, this.options.namespace, this.log);
  }

  async run(launch: StepLaunch, ctx: StepRunContext): Promise<StepOutcome> {
    const objects = buildStepObjects(launch, this.options, randomBytes(3).toString('hex'));
    ctx.signal.throwIfAborted();
    await this.call('start watching Jobs and pods', () => this.watch.start());
    await this.deleteUnfinishedEarlierJobs(launch);
    const jobName = await this.create(objects);
    this.deps.trace?.('job-created', jobName);
    ctx.heartbeat({ job: jobName, state: 'JobCreated' });
    return runStepFollower({
      jobName,
      launch,
      ctx,
      options: this.options,
      kubeConfig: this.kubeConfig,
      watch: this.watch,
      log: this.log.child({ job: jobName }),
      deleteJob: () => this.deleteJob(jobName, objects),
      deleteRunJobs: () => this.deleteRunJobs(launch),
      onFinishedSeen: () => this.deps.trace?.('pod-finished-seen', jobName),
    });
  }

  /**
   * Creates the claim template (if any), then the Job, then makes the Job own the template (so the
   * garbage collector removes it with the Job). A failure part-way removes what was created.
   */
  private async create(objects: StepObjects): Promise<string> {
    const namespace = this.options.namespace;
    const { job, claimTemplate } = objects;
    const name = job.metadata?.name ?? '';
    const templateName = claimTemplate?.metadata?.name;
    if (claimTemplate) {
      await this.call('create ResourceClaimTemplate', () => this.resource.createNamespacedResourceClaimTemplate({ namespace, body: claimTemplate }));
    }
    try {
      const created = await this.call(`create Job ${name}`, () => this.batch.createNamespacedJob({ namespace, body: job }));
      if (templateName && created.metadata?.uid) {
        // No blockOwnerDeletion: setting it needs rights on jobs/finalizers the Role does not grant.
        const owner = { apiVersion: 'batch/v1', kind: 'Job', name, uid: created.metadata.uid };
        await this.call('own ResourceClaimTemplate by its Job', () =>
          this.resource.patchNamespacedResourceClaimTemplate({ name: templateName, namespace, body: [{ op: 'add', path: '/metadata/ownerReferences', value: [owner] }] }),
        );
      }
    } catch (err) {
      await this.deleteJob(name, objects).catch((cleanup: unknown) => this.log.warn({ err: cleanup, job: name }, 'clean-up after a failed create failed'));
      throw err;
    }
    return name;
  }

  /**
   * A step runs again only when its earlier try is over or its worker is gone (Temporal runs one
   * activity try at a time), so an unfinished Job of the same run and step is an orphan: delete it.
   */
  private async deleteUnfinishedEarlierJobs(launch: StepLaunch): Promise<void> {
    const selector = `${LABELS.run}=${labelValue(launch.runId)},${LABELS.step}=${labelValue(launch.stepId)}`;
    const earlier = await this.call('list earlier Jobs of the step', () => this.batch.listNamespacedJob({ namespace: this.options.namespace, labelSelector: selector }));
    for (const job of earlier.items) {
      const name = job.metadata?.name;
      const finished = job.status?.conditions?.some((c) => (c.type === 'Complete' || c.type === 'Failed') && c.status === 'True');
      if (!name || finished || job.metadata?.deletionTimestamp) continue;
      this.log.info({ job: name }, 'deleting an unfinished Job an earlier try of this step left');
      await this.tryCall(`delete Job ${name}`, () => this.batch.deleteNamespacedJob({ name, namespace: this.options.namespace, propagationPolicy: 'Foreground' }), [404]);
    }
  }

  /**
   * A cancelled run leaves nothing behind: the Jobs its finished steps left for their TTL go too
   * (foreground, with their pods and claim templates; their logs are already in the store).
   */
  private async deleteRunJobs(launch: StepLaunch): Promise<void> {
    const namespace = this.options.namespace;
    const jobs = await this.call('list the Jobs of the run', () => this.batch.listNamespacedJob({ namespace, labelSelector: `${LABELS.run}=${labelValue(launch.runId)}` }));
    for (const job of jobs.items) {
      const name = job.metadata?.name;
      if (!name || job.metadata?.deletionTimestamp) continue;
      await this.tryCall(`delete Job ${name}`, () => this.batch.deleteNamespacedJob({ name, namespace, propagationPolicy: 'Foreground' }), [404]);
    }
  }

  /** Deletes the Job with foreground propagation (its pods go first) and its claim template. */
  private async deleteJob(name: string, objects: StepObjects): Promise<void> {
    const namespace = this.options.namespace;
    await this.tryCall(`delete Job ${name}`, () => this.batch.deleteNamespacedJob({ name, namespace, propagationPolicy: 'Foreground' }), [404]);
    const template = objects.claimTemplate?.metadata?.name;
    if (template) {
      await this.tryCall(`delete ResourceClaimTemplate ${template}`, () => this.resource.deleteNamespacedResourceClaimTemplate({ name: template, namespace }), [404]);
    }
  }

  /** Runs an API call, turning a failure into a KubernetesApiError that names the action. */
  private async call<T>(action: string, fn: () => Promise<T>): Promise<T> {
    try {
      return await fn();
    } catch (err) {
      throw new KubernetesApiError(action, statusOf(err), { cause: err });
    }
  }

  /** Like call(), but an answer with one of the `tolerate` statuses (404, 409) is not an error. */
  private async tryCall<T>(action: string, fn: () => Promise<T>, tolerate: number[]): Promise<T | undefined> {
    try {
      return await fn();
    } catch (err) {
      const status = statusOf(err);
      if (status !== undefined && tolerate.includes(status)) return undefined;
      throw new KubernetesApiError(action, status, { cause: err });
    }
  }

  async close(): Promise<void> {
    await this.watch.stop();
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.close();
  }
}
