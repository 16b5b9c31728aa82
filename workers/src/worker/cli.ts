import type { Command } from 'commander';
import { configuredArtifactStore, createLogger, METRICS_PORT_FLAG, metricsListenFrom, serveProcessMetrics, type CliContext, type SignflowConfig } from '@signflow/core';
import { startApiServer } from '@signflow/pipelines/api';
import { createPipelineWorker } from './worker.js';
import { loadApiPlugins } from './api-plugins.js';
import { localStepNatsEnv, storesStepEnv } from './store-env.js';
import { KubernetesExecutor } from '../executors/kubernetes/executor.js';
import { kubernetesExecutorOptionsFromEnv } from '../executors/kubernetes/options.js';

/** Where the Temporal frontend is: an existing cluster from the config, else the embedded one's port. */
export function temporalAddressOf(config: SignflowConfig): string {
  return config.temporal.address ?? `${config.temporal.host}:${config.temporal.port}`;
}

/** Resolves when SIGINT or SIGTERM arrives. */
function untilSignal(): Promise<NodeJS.Signals> {
  return new Promise((resolve) => {
    process.once('SIGINT', () => resolve('SIGINT'));
    process.once('SIGTERM', () => resolve('SIGTERM'));
  });
}

/**
 * The long-running processes of a cluster deployment (the Helm chart's containers), each on
 * existing NATS/Temporal servers: `signflow serve` (HTTP API) and `signflow worker pipelines`.
 * On a laptop, `signflow up` runs the same parts in one process.
 */
export function registerWorkerCommands(program: Command, ctx: CliContext): void {
  program
    .command('serve')
    .description('serve the HTTP API (runs, pipelines, lineage, OpenAPI) against an existing Temporal; for clusters (`signflow up` includes it)')
    .action(async () => {
      const config = ctx.loadConfig();
      const logger = createLogger('signflow-serve', { level: config.logLevel });
      // the routes other packages serve on the API (datasets, models, console), as `signflow up` loads them
      const plugins = await loadApiPlugins(logger);
      const api = await startApiServer({ config, temporalAddress: temporalAddressOf(config), logger });
      logger.info({ url: api.url, plugins }, 'API ready');
      const signal = await untilSignal();
      logger.info({ signal }, 'stopping');
      await api.close();
    });

  const worker = program.command('worker').description('run a Temporal worker against existing servers (for clusters; `signflow up` includes one)');
  worker
    .command('pipelines')
    .description('the pipeline worker: run workflows and their steps, each step as a local process or a Kubernetes Job')
    .option('--executor <kind>', 'local (process on this machine) or kubernetes (a Job per step; SIGNFLOW_K8S_* configure it)', 'local')
    .option('--task-queue <name>', 'Temporal task queue to poll')
    .option(...METRICS_PORT_FLAG)
    .action(async (opts: { executor: string; taskQueue?: string; metricsPort?: string }) => {
      if (opts.executor !== 'local' && opts.executor !== 'kubernetes') {
        throw new Error(`--executor must be local or kubernetes, not ${JSON.stringify(opts.executor)}`);
      }
      const config = ctx.loadConfig();
      const logger = createLogger('signflow-worker', { level: config.logLevel });
      const w = await createPipelineWorker({
        temporalAddress: temporalAddressOf(config),
        namespace: config.temporal.namespace,
        dataDir: config.dataDir,
        store: configuredArtifactStore(config),
        stepEnv: { ...storesStepEnv(config), ...(opts.executor === 'local' ? localStepNatsEnv(config) : {}) },
        logger,
        ...(opts.taskQueue ? { taskQueue: opts.taskQueue } : {}),
        ...(opts.executor === 'kubernetes' ? { executor: new KubernetesExecutor(kubernetesExecutorOptionsFromEnv()) } : {}),
      });
      // Prometheus /metrics: step durations by step/status, running steps
      await using _metrics = await serveProcessMetrics(metricsListenFrom(opts.metricsPort), logger);
      logger.info({ executor: opts.executor }, 'pipeline worker polling');
      const done = w.run();
      const stopped = await Promise.race([done.then(() => undefined), untilSignal()]);
      if (stopped) await w.shutdown();
      await done;
    });
}
