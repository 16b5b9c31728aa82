// A training worker as its own process, so a test can SIGKILL it mid-training.
// Env: TEMPORAL_ADDRESS, TEMPORAL_NAMESPACE, TASK_QUEUE, STORE_DIR. Prints "ready" when polling.
import { fileURLToPath } from 'node:url';
import { NativeConnection, Worker } from '@temporalio/worker';
import { fixture } from '@signflow/testkit';
import { createTrainingActivities } from '../../src/training/activities.js';
import { loadMsl150Npy } from '../../src/training/fixtures.js';
import { DirectoryStore } from '../../src/training/store.js';

function env(name: string): string {
  const value = process.env[name];
  if (!value) throw new Error(`${name} is not set`);
  return value;
}

const connection = await NativeConnection.connect({ address: env('TEMPORAL_ADDRESS') });
const worker = await Worker.create({
  connection,
  namespace: env('TEMPORAL_NAMESPACE'),
  taskQueue: env('TASK_QUEUE'),
  workflowsPath: fileURLToPath(new URL('../../src/training/workflow.ts', import.meta.url)),
  activities: createTrainingActivities({
    store: new DirectoryStore(env('STORE_DIR')),
    heartbeatEveryMs: 300,
    loadDataset: async (ref) => {
      if (ref !== 'fixture:msl150') throw new Error(`unknown dataset ${ref}`);
      return { dataset: await loadMsl150Npy(fixture('msl150', 'sample_npy')), version: 'msl150-fixture' };
    },
  }),
});
process.stdout.write('ready\n');
await worker.run();
