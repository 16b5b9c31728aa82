import { randomUUID } from 'node:crypto';
import { Client, Connection } from '@temporalio/client';
import type { WorkflowBundleWithSourceMap } from '@temporalio/worker';
import { LocalArtifactStore, type ArtifactStore } from '@signflow/core';
import { temporalClientInterceptors } from '@signflow/core/temporal-tracing';
import { pipelinesDataPaths, RunService, RunStore, type RunRow, type RunStatus, type StepRow } from '@signflow/pipelines';
import { quietTemporalRuntime, startTestTemporal, tempDir, waitFor, type TestTemporal, type TempDir } from '@signflow/testkit';
import { createPipelineWorker, type PipelineWorker } from '../../src/worker/worker.js';
import { bundleRunWorkflow } from '../../src/worker/bundle.js';

let bundle: Promise<WorkflowBundleWithSourceMap> | undefined;
/** The run workflow bundled once per test process (bundling takes seconds). */
export function workflowBundle(): Promise<WorkflowBundleWithSourceMap> {
  bundle ??= bundleRunWorkflow();
  return bundle;
}

export interface Harness {
  temporal: TestTemporal;
  dataDir: string;
  taskQueue: string;
  client: Client;
  runs: RunStore;
  service: RunService;
  worker: PipelineWorker | undefined;
  startWorker(): Promise<PipelineWorker>;
  stopWorker(): Promise<void>;
  waitForRun(runId: string, statuses: RunStatus[], timeoutMs?: number): Promise<RunRow & { steps: StepRow[] }>;
  [Symbol.asyncDispose](): Promise<void>;
}

/** A real Temporal server, a data dir, the pipeline worker in this process (optional) and the run service. */
export async function startHarness(options: { worker?: boolean; temporal?: TestTemporal; stores?: () => { artifacts: ArtifactStore; stepEnv: Record<string, string> } } = {}): Promise<Harness> {
  quietTemporalRuntime();
  const temporal = options.temporal ?? (await startTestTemporal());
  const dir: TempDir = await tempDir('signflow-pipelines-');
  const taskQueue = `pipelines-${randomUUID().slice(0, 8)}`;
  const paths = pipelinesDataPaths(dir.path);
  const connection = await Connection.connect({ address: temporal.address });
  // as the API's client: starting a run continues the active trace (pipelines/src/api/start.ts)
  const client = new Client({ connection, namespace: temporal.namespace, interceptors: { workflow: temporalClientInterceptors() } });
  const runs = new RunStore(paths.runIndex);
  // other stores (NATS) for the service and each worker it starts, with the steps' environment to reach them
  const serviceStore: ArtifactStore = options.stores?.().artifacts ?? new LocalArtifactStore(paths.artifacts);
  const service = new RunService({ client, runs, store: serviceStore, taskQueue });
  let running: Promise<void> | undefined;
  const h: Harness = {
    temporal,
    dataDir: dir.path,
    taskQueue,
    client,
    runs,
    service,
    worker: undefined,
    async startWorker() {
      const stores = options.stores?.();
      const w = await createPipelineWorker({ temporalAddress: temporal.address, namespace: temporal.namespace, dataDir: dir.path, taskQueue, workflowBundle: await workflowBundle(), ...(stores ? { store: stores.artifacts, stepEnv: stores.stepEnv } : {}) });
      h.worker = w;
      running = w.run();
      return w;
    },
    async stopWorker() {
      await h.worker?.shutdown();
      await running;
      h.worker = undefined;
    },
    async waitForRun(runId, statuses, timeoutMs = 60_000) {
      return waitFor(`run ${runId} to be ${statuses.join('/')}`, async () => {
        const run = await service.getRun(runId);
        return statuses.includes(run.status) ? run : undefined;
      }, { timeoutMs, intervalMs: 100 });
    },
    async [Symbol.asyncDispose]() {
      await h.stopWorker().catch(() => undefined);
      runs.close();
      await connection.close();
      await serviceStore.close?.();
      if (!options.temporal) await temporal[Symbol.asyncDispose]();
      await dir[Symbol.asyncDispose]();
    },
  };
  if (options.worker !== false) await h.startWorker();
  return h;
}
