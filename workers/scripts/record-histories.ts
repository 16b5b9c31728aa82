// Records real run-workflow histories into pipelines/test/histories/ for the replay tests
// (`npm run record-histories -w workers`). Re-record only when a workflow change is meant to
// be incompatible, and say so in the commit: old histories are what running workflows replay.
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import proto from '@temporalio/proto';

const { temporal } = proto;
import { waitFor } from '@signflow/testkit';
import { startHarness } from '../test/helpers/harness.js';
import { numbersPipeline, retryPipeline, sleepPipeline } from '../test/fixtures/pipelines.js';

const outDir = fileURLToPath(new URL('../../pipelines/test/histories', import.meta.url));
mkdirSync(outDir, { recursive: true });

await using h = await startHarness();
const save = async (name: string, runId: string): Promise<void> => {
  const history = await h.client.workflow.getHandle(runId).fetchHistory();
  // protobufjs object form (enums and longs as strings, bytes base64): read back with History.fromObject.
  const doc = temporal.api.history.v1.History.toObject(temporal.api.history.v1.History.fromObject(history), { longs: String, enums: String, bytes: String });
  writeFileSync(join(outDir, `${name}.json`), `${JSON.stringify({ workflowId: runId, history: doc }, null, 1)}\n`);
  console.log(`recorded ${name} (${history.events?.length ?? 0} events)`);
};

const full = await h.service.submit({ spec: numbersPipeline.compile(), parameters: { count: 3, items: [1, 2] } });
await h.waitForRun(full.runId, ['succeeded', 'failed']);
await save('numbers-succeeded', full.runId);

const flaky = await h.service.submit({ spec: retryPipeline(join(h.dataDir, 'counter'), 4).compile() });
await h.waitForRun(flaky.runId, ['failed', 'succeeded']);
await save('flaky-failed', flaky.runId);
const retried = await h.service.retry(flaky.runId);
await h.waitForRun(retried.runId, ['failed', 'succeeded']);
await save('flaky-retried', retried.runId);

const sleepy = await h.service.submit({ spec: sleepPipeline(60).compile() });
await waitFor('step to run', async () => ((await h.service.getRun(sleepy.runId)).steps.some((s) => s.status === 'running') ? true : undefined), { timeoutMs: 30_000 });
await h.service.cancel(sleepy.runId);
await h.waitForRun(sleepy.runId, ['cancelled']);
await save('sleepy-cancelled', sleepy.runId);
