// The pipeline worker as its own process: `node --import tsx workers/src/worker/main.ts`.
// Settings come from signflow configuration (file + SIGNFLOW_* env); SIGNFLOW_PIPELINES_TASK_QUEUE
// and SIGNFLOW_WORKFLOW_BUNDLE (a prebuilt bundle file from bundleRunWorkflow, to skip bundling) are optional;
// SIGNFLOW_METRICS_PORT serves /metrics, the standard OTEL_* variables turn tracing on.
import { createLogger, describeError, loadConfig, metricsListenFrom, serveProcessMetrics, setupTracing } from '@signflow/core';
import { createPipelineWorker } from './worker.js';

export async function main(): Promise<number> {
  const logger = createLogger('pipelines-worker');
  await using _tracing = setupTracing({ serviceName: 'signflow-pipelines-worker' });
  const { config } = loadConfig();
  const bundlePath = process.env['SIGNFLOW_WORKFLOW_BUNDLE'];
  const taskQueue = process.env['SIGNFLOW_PIPELINES_TASK_QUEUE'];
  const worker = await createPipelineWorker({
    temporalAddress: config.temporal.address ?? `${config.temporal.host}:${config.temporal.port}`,
    namespace: config.temporal.namespace,
    dataDir: config.dataDir,
    logger,
    ...(taskQueue ? { taskQueue } : {}),
    ...(bundlePath ? { workflowBundle: { codePath: bundlePath } } : {}),
  });
  await using _metrics = await serveProcessMetrics(metricsListenFrom(undefined), logger);
  const stop = (): void => void worker.shutdown();
  process.once('SIGTERM', stop);
  process.once('SIGINT', stop);
  const running = worker.run();
  process.stdout.write(`signflow pipeline worker ready (pid ${process.pid})\n`);
  try {
    await running;
    return 0;
  } catch (err) {
    logger.error({ err }, `worker failed: ${describeError(err)}`);
    return 1;
  }
}

process.exitCode = await main();
