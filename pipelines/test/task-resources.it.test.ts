import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { Client, Connection, WorkflowFailedError } from '@temporalio/client';
import { bundleWorkflowCode, NativeConnection, Worker } from '@temporalio/worker';
import { z } from 'zod';
import { createLogger, LocalArtifactStore } from '@signflow/core';
import { quietTemporalRuntime, startTestTemporal, tempDir } from '@signflow/testkit';
import {
  component,
  createActivities,
  pipeline,
  pipelinesDataPaths,
  RunArgumentsError,
  RunService,
  RunStore,
  runWorkflowPath,
  type Executor,
  type StepLaunch,
  type StepOutcome,
  type StepRunContext,
} from '../src/index.js';

/** Runs each step as a real process (its argv) and keeps the launch it was given. */
class RecordingExecutor implements Executor {
  readonly kind = 'local' as const;
  readonly launches: StepLaunch[] = [];
  run(launch: StepLaunch, ctx: StepRunContext): Promise<StepOutcome> {
    this.launches.push(launch);
    const [cmd, ...args] = launch.command;
    return new Promise((resolve) => {
      execFile(cmd ?? 'false', args, { signal: ctx.signal, env: { ...process.env, ...launch.env } }, (err, stdout, stderr) => {
        void ctx.logs.write(`${stdout}${stderr}`);
        if (!err) resolve({ status: 'succeeded', exitCode: 0 });
        else resolve({ status: 'failed', exitCode: typeof err.code === 'number' ? err.code : null, retryable: false, reason: err.message });
      });
    });
  }
}

const silent = { log: () => undefined, trace: () => undefined, debug: () => undefined, info: () => undefined, warn: () => undefined, error: () => undefined };
const trainer = component({ name: 'gpu-trainer', run: { command: ['true'] }, resources: { cpu: '1', memory: '1Gi', gpu: 1 }, caching: false });
const gpuPipeline = <T extends z.ZodType>(gpu: T) =>
  pipeline({ name: 'gpu-per-run', params: { gpu }, build: (p, b) => void b.task(trainer, {}, { name: 'train', resources: { gpu: p.gpu } }) });

test('a run parameter chooses the GPU of the step the executor launches', async () => {
  quietTemporalRuntime();
  await using temporal = await startTestTemporal();
  await using dir = await tempDir('signflow-task-resources-');
  const paths = pipelinesDataPaths(dir.path);
  const store = new LocalArtifactStore(paths.artifacts);
  const runs = new RunStore(paths.runIndex);
  const executor = new RecordingExecutor();
  const connection = await Connection.connect({ address: temporal.address });
  const client = new Client({ connection, namespace: temporal.namespace });
  const taskQueue = 'task-resources';
  const service = new RunService({ client, runs, store, taskQueue });
  const worker = await Worker.create({
    connection: await NativeConnection.connect({ address: temporal.address }),
    namespace: temporal.namespace,
    taskQueue,
    workflowBundle: await bundleWorkflowCode({ workflowsPath: runWorkflowPath, logger: silent }),
    activities: createActivities({ executor, store, runs, logger: createLogger('test', { level: 'silent' }) }),
  });
  try {
    await worker.runUntil(async () => {
      const launched = async (spec: ReturnType<ReturnType<typeof gpuPipeline>['compile']>, gpu: unknown): Promise<StepLaunch> => {
        const before = executor.launches.length;
        const { runId } = await service.submit({ spec, parameters: { gpu } });
        await client.workflow.getHandle(runId).result();
        assert.equal(executor.launches.length, before + 1, 'one step launched');
        const launch = executor.launches.at(-1);
        assert.ok(launch);
        return launch;
      };
      const byString = gpuPipeline(z.string()).compile();
      const dra = await launched(byString, 'dra:gpu.nvidia.com:1');
      assert.deepEqual(dra.resources, { cpu: '1', memory: '1Gi', gpu: { kind: 'dra', deviceClassName: 'gpu.nvidia.com', count: 1 } });
      const none = await launched(byString, 'none');
      assert.deepEqual(none.resources, { cpu: '1', memory: '1Gi' }, '"none" removes the component GPU');
      const count = await launched(gpuPipeline(z.number().int()).compile(), 2);
      assert.deepEqual(count.resources, { cpu: '1', memory: '1Gi', gpu: { kind: 'count', count: 2 } });

      // Refused at submit, naming the parameter and the task; nothing launched.
      const n = executor.launches.length;
      await assert.rejects(service.submit({ spec: byString, parameters: { gpu: 'dra:gpu.nvidia.com:zero' } }), (err: unknown) => {
        assert.ok(err instanceof RunArgumentsError);
        assert.equal(err.issues[0]?.path, 'parameters.gpu');
        assert.match(err.issues[0]?.message ?? '', /task train: resources\.gpu from parameter "gpu"/);
        return true;
      });
      // A run started past the submit check (straight through Temporal) fails the step clearly at run time.
      const handle = await client.workflow.start('pipelineRun', { taskQueue, workflowId: 'bad-gpu', args: [{ spec: byString, parameters: { gpu: 'eight' } }] });
      await assert.rejects(handle.result(), (err: unknown) => err instanceof WorkflowFailedError && /train: resources\.gpu from parameter "gpu": "eight" is not a GPU request/.test(err.cause?.message ?? ''));
      assert.equal(executor.launches.length, n);
      const step = runs.getRun('bad-gpu')?.steps.find((s) => s.stepPath === 'train');
      assert.equal(step?.status, 'failed');
    });
  } finally {
    runs.close();
    await connection.close();
  }
});
