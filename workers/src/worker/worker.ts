import { NativeConnection, Worker, type WorkerOptions } from '@temporalio/worker';
import { createLogger, currentTracing, LocalArtifactStore, type ArtifactStore, type Logger, type Tracing } from '@signflow/core';
import { bundleHasTracingInterceptors, temporalWorkerTracing } from '@signflow/core/temporal-tracing';
import { createActivities, DEFAULT_TASK_QUEUE, pipelinesDataPaths, RunStore, runWorkflowPath, type Executor } from '@signflow/pipelines';
import { LocalExecutor } from '../executors/local/executor.js';
import { stepBinDir } from '../steps/paths.js';
import { stepMetricsInterceptor } from './metrics.js';

export interface PipelineWorkerOptions {
  temporalAddress: string;
  namespace: string;
  /** The signflow data dir: run index, artifact store and step work dirs live under it. */
  dataDir: string;
  taskQueue?: string;
  /** Defaults to the local process executor. */
  executor?: Executor;
  /** A prebuilt workflow bundle (tests share one); otherwise the workflow is bundled at start. */
  workflowBundle?: WorkerOptions['workflowBundle'];
  /** The artifact store (configuredArtifactStore(config)); default `<dataDir>/artifacts`. The worker closes it. */
  store?: ArtifactStore;
  /** More environment for every step (storesStepEnv(config): dataset store, NATS server and credentials). */
  stepEnv?: Record<string, string>;
  /** Activities of other packages served by the same worker (training, evaluation, ...). */
  extraActivities?: Record<string, (...args: never[]) => Promise<unknown>>;
  logger?: Logger;
  /** Workflow and activity spans (Temporal's OpenTelemetry interceptors); default: the process's (`currentTracing()`). */
  tracing?: Tracing;
}

export interface PipelineWorker {
  readonly worker: Worker;
  readonly runs: RunStore;
  /** Polls until shutdown; rejects if the worker fails. */
  run(): Promise<void>;
  shutdown(): Promise<void>;
}

/** Wires the run workflow and its activities (local executor, local artifact store, run index) into a Temporal worker. */
export async function createPipelineWorker(options: PipelineWorkerOptions): Promise<PipelineWorker> {
  const logger = options.logger ?? createLogger('pipelines-worker');
  const paths = pipelinesDataPaths(options.dataDir);
  const runs = new RunStore(paths.runIndex);
  const store: ArtifactStore = options.store ?? new LocalArtifactStore(paths.artifacts);
  const executor = options.executor ?? new LocalExecutor({ workRoot: paths.work, pathPrepend: [stepBinDir] });
  const activities = { ...options.extraActivities, ...createActivities({ executor, store, runs, logger, heartbeatIntervalMs: 1000, stepEnv: { ...options.stepEnv, SIGNFLOW_DATA_DIR: options.dataDir } }) };
  const tracing = temporalWorkerTracing(options.tracing ?? currentTracing());
  const bundle = options.workflowBundle;
  if (bundle && 'code' in bundle && !bundleHasTracingInterceptors(bundle.code)) logger.warn('workflow bundle built without the tracing interceptors (use bundleRunWorkflow): workflow spans are missing');
  const connection = await NativeConnection.connect({ address: options.temporalAddress });
  let worker: Worker;
  try {
    worker = await Worker.create({
      connection,
      namespace: options.namespace,
      taskQueue: options.taskQueue ?? DEFAULT_TASK_QUEUE,
      ...(options.workflowBundle ? { workflowBundle: options.workflowBundle } : { workflowsPath: runWorkflowPath }),
      activities,
      // A prebuilt bundle carries the workflow interceptors itself (bundleRunWorkflow).
      interceptors: { ...(bundle ? {} : { workflowModules: tracing.interceptors.workflowModules }), activity: [...(tracing.interceptors.activity ?? []), stepMetricsInterceptor({ pipelineOf: (runId) => runs.getRun(runId)?.pipeline })] },
      sinks: tracing.sinks,
      // Cancellation reaches an activity on its heartbeat: keep that within a second.
      maxHeartbeatThrottleInterval: '1s',
      defaultHeartbeatThrottleInterval: '1s',
    });
  } catch (err) {
    await connection.close();
    runs.close();
    await store.close?.();
    throw err;
  }
  let running: Promise<void> | undefined;
  return {
    worker,
    runs,
    run: () => {
      running ??= worker.run().finally(async () => {
        await connection.close();
        runs.close();
        await store.close?.();
      });
      return running;
    },
    shutdown: async () => {
      if (worker.getState() === 'RUNNING') worker.shutdown();
      await running;
    },
  };
}
