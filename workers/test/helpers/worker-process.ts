import { spawn, type ChildProcess } from 'node:child_process';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { waitFor } from '@signflow/testkit';
import { workflowBundle, type Harness } from './harness.js';

const mainPath = fileURLToPath(new URL('../../src/worker/main.ts', import.meta.url));

export interface WorkerProcess {
  readonly child: ChildProcess;
  output(): string;
  kill(signal: NodeJS.Signals): Promise<void>;
}

/** Starts the pipeline worker as a child process (as `signflow up` would), ready when it says so. */
export async function startWorkerProcess(h: Harness): Promise<WorkerProcess> {
  const bundleFile = join(h.dataDir, 'workflow-bundle.js');
  await writeFile(bundleFile, (await workflowBundle()).code);
  const child = spawn(process.execPath, ['--import', 'tsx', mainPath], {
    env: {
      ...process.env,
      SIGNFLOW_DATA_DIR: h.dataDir,
      SIGNFLOW_TEMPORAL_ADDRESS: h.temporal.address,
      SIGNFLOW_TEMPORAL_NAMESPACE: h.temporal.namespace,
      SIGNFLOW_PIPELINES_TASK_QUEUE: h.taskQueue,
      SIGNFLOW_WORKFLOW_BUNDLE: bundleFile,
      SIGNFLOW_LOG_LEVEL: 'warn',
      SIGNFLOW_CONFIG: '',
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let text = '';
  child.stdout.on('data', (b: Buffer) => (text += b.toString()));
  child.stderr.on('data', (b: Buffer) => (text += b.toString()));
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  await waitFor('worker process to be ready', async () => (text.includes('worker ready') ? true : undefined), {
    timeoutMs: 60_000,
    abortIf: () => (child.exitCode !== null ? new Error(`worker exited early:\n${text}`) : undefined),
  });
  return {
    child,
    output: () => text,
    kill: async (signal) => {
      if (child.exitCode === null && child.signalCode === null) child.kill(signal);
      await exited;
    },
  };
}
