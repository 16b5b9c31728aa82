import { BatchV1Api, CoreV1Api, makeInformer, type Informer, type KubeConfig, type ObjectCache, type V1Job, type V1Pod, type KubernetesObject } from '@kubernetes/client-node';
import type { Logger } from '@signflow/core';
import { LABELS, MANAGED_SELECTOR } from './names.js';

export interface JobSnapshot {
  job: V1Job | undefined;
  /** True once the Job was seen and then deleted. */
  jobDeleted: boolean;
  pods: V1Pod[];
}
type Listener = (snapshot: JobSnapshot) => void;

type Watched<T extends KubernetesObject> = Informer<T> & ObjectCache<T>;

/**
 * One pair of informers (Jobs and pods the executor manages in its namespace), shared by every
 * step it runs: each step subscribes by Job name and is called with a fresh snapshot whenever its
 * Job or one of its pods changes. An informer that errors (API server restart, expired watch) is
 * restarted with backoff; the list it does then replays the current state.
 */
export class StepWatch {
  private readonly jobs: Watched<V1Job>;
  private readonly pods: Watched<V1Pod>;
  private readonly listeners = new Map<string, Set<Listener>>();
  private readonly deletedJobs = new Set<string>();
  private started: Promise<void> | undefined;
  private stopped = false;
  private readonly restartTimers = new Set<NodeJS.Timeout>();

  constructor(
    kubeConfig: KubeConfig,
    private readonly namespace: string,
    private readonly log: Logger,
  ) {
    const batch = kubeConfig.makeApiClient(BatchV1Api);
    const core = kubeConfig.makeApiClient(CoreV1Api);
    this.jobs = makeInformer(kubeConfig, `/apis/batch/v1/namespaces/${namespace}/jobs`, () => batch.listNamespacedJob({ namespace, labelSelector: MANAGED_SELECTOR }), MANAGED_SELECTOR);
    this.pods = makeInformer(kubeConfig, `/api/v1/namespaces/${namespace}/pods`, () => core.listNamespacedPod({ namespace, labelSelector: MANAGED_SELECTOR }), MANAGED_SELECTOR);
    this.wire(this.jobs, (job) => job.metadata?.name, 'jobs');
    this.wire(this.pods, (pod) => pod.metadata?.labels?.[LABELS.job], 'pods');
  }

  private wire<T extends KubernetesObject>(informer: Watched<T>, jobOf: (obj: T) => string | undefined, what: string): void {
    const notify = (obj: T): void => {
      const name = jobOf(obj);
      if (name) this.notify(name);
    };
    informer.on('add', notify);
    informer.on('update', notify);
    informer.on('delete', (obj) => {
      const name = obj.metadata?.name;
      if (what === 'jobs' && name && this.listeners.has(name)) this.deletedJobs.add(name);
      notify(obj);
    });
    informer.on('error', (err: unknown) => {
      if (this.stopped) return;
      this.log.warn({ err, what }, 'kubernetes watch failed; restarting');
      const timer = setTimeout(() => {
        this.restartTimers.delete(timer);
        if (!this.stopped) informer.start().catch((e: unknown) => this.log.warn({ err: e, what }, 'kubernetes watch restart failed'));
      }, 1000);
      this.restartTimers.add(timer);
    });
  }

  /** Starts both informers once (their initial lists done). */
  async start(): Promise<void> {
    this.started ??= Promise.all([this.jobs.start(), this.pods.start()]).then(() => undefined);
    try {
      await this.started;
    } catch (err) {
      this.started = undefined;
      throw err;
    }
  }

  snapshot(jobName: string): JobSnapshot {
    const pods = this.pods.list(this.namespace).filter((p) => p.metadata?.labels?.[LABELS.job] === jobName);
    return { job: this.jobs.get(jobName, this.namespace), jobDeleted: this.deletedJobs.has(jobName), pods: [...pods] };
  }

  /** Calls `listener` on every change of the Job `jobName` or its pods, and once now. */
  subscribe(jobName: string, listener: Listener): () => void {
    let set = this.listeners.get(jobName);
    if (!set) {
      set = new Set();
      this.listeners.set(jobName, set);
    }
    set.add(listener);
    queueMicrotask(() => listener(this.snapshot(jobName)));
    return () => {
      set.delete(listener);
      if (set.size === 0) {
        this.listeners.delete(jobName);
        this.deletedJobs.delete(jobName);
      }
    };
  }

  private notify(jobName: string): void {
    const set = this.listeners.get(jobName);
    if (!set || set.size === 0) return;
    const snapshot = this.snapshot(jobName);
    for (const listener of set) listener(snapshot);
  }

  async stop(): Promise<void> {
    this.stopped = true;
    for (const timer of this.restartTimers) clearTimeout(timer);
    this.restartTimers.clear();
    await Promise.allSettled([this.jobs.stop(), this.pods.stop()]);
  }
}
