import { test } from 'node:test';
import assert from 'node:assert/strict';
import { fileURLToPath } from 'node:url';
import { Client, Connection } from '@temporalio/client';
import { NativeConnection, Worker } from '@temporalio/worker';
import { quietTemporalRuntime, startTestTemporal } from '../src/index.js';
import { createActivities } from './temporal-sample/activities.js';
import type { greetingWorkflow } from './temporal-sample/workflows.js';

test('a workflow with an activity completes on a real Temporal server', async () => {
  quietTemporalRuntime();
  await using temporal = await startTestTemporal();
  assert.notEqual(temporal.port, 7233, 'the harness must not use the default port');
  const workerConnection = await NativeConnection.connect({ address: temporal.address });
  const worker = await Worker.create({
    connection: workerConnection,
    namespace: temporal.namespace,
    taskQueue: 'harness',
    workflowsPath: fileURLToPath(new URL('./temporal-sample/workflows.ts', import.meta.url)),
    activities: createActivities(),
  });
  const connection = await Connection.connect({ address: temporal.address });
  try {
    const client = new Client({ connection, namespace: temporal.namespace });
    const result = await worker.runUntil(
      client.workflow.execute<typeof greetingWorkflow>('greetingWorkflow', { taskQueue: 'harness', workflowId: `greet-${Date.now()}`, args: ['signflow'] }),
    );
    assert.match(result, /^workflow says: hello signflow from /);
  } finally {
    await connection.close();
    await workerConnection.close();
  }
});
