import { configuredArtifactStore, type SignflowConfig } from '@signflow/core';
import type { StackPart } from '@signflow/stack';
import { DEFAULT_TASK_QUEUE } from '@signflow/pipelines';
import { createPipelineWorker } from './worker.js';
import { localStepNatsEnv, storesStepEnv } from './store-env.js';
// Side effect: the model registry is served on the signflow API (console models page).
import '../registry/api-plugin.js';

/** What `signflow up` runs from workers: the pipeline worker (run workflow + step activity, local executor). */
export function stackParts(config: SignflowConfig): StackPart[] {
  return [
    {
      name: 'pipelines-worker',
      async start(ctx) {
        const worker = await createPipelineWorker({
          temporalAddress: ctx.temporalAddress,
          namespace: config.temporal.namespace,
          dataDir: config.dataDir,
          store: configuredArtifactStore(config),
          stepEnv: { ...storesStepEnv(config), ...localStepNatsEnv(config) },
          logger: ctx.logger.child({ part: 'pipelines-worker' }),
        });
        const done = worker.run();
        return { endpoint: `temporal task queue ${DEFAULT_TASK_QUEUE}`, pid: process.pid, done, stop: () => worker.shutdown() };
      },
    },
  ];
}
