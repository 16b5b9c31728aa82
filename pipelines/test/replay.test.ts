import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import proto from '@temporalio/proto';
import { bundleWorkflowCode, Worker } from '@temporalio/worker';
import { quietTemporalRuntime } from '@signflow/testkit';
import { runWorkflowPath } from '../src/paths.js';

// Real histories recorded by `npm run record-histories -w workers`: a change to the run workflow
// that would break runs in flight (a different command sequence on replay) fails here, in CI.
const dir = fileURLToPath(new URL('./histories/', import.meta.url));
const files = readdirSync(dir).filter((f) => f.endsWith('.json')).sort();

test('recorded run-workflow histories replay with the current workflow code', async () => {
  quietTemporalRuntime();
  assert.ok(files.length >= 4, 'histories are committed');
  const bundle = await bundleWorkflowCode({ workflowsPath: runWorkflowPath, logger: { log: () => undefined, trace: () => undefined, debug: () => undefined, info: () => undefined, warn: () => undefined, error: () => undefined } });
  for (const file of files) {
    const { workflowId, history } = JSON.parse(readFileSync(`${dir}${file}`, 'utf8')) as { workflowId: string; history: Record<string, unknown> };
    const decoded = proto.temporal.api.history.v1.History.fromObject(history);
    await Worker.runReplayHistory({ workflowBundle: bundle, replayName: file }, decoded, workflowId);
  }
});
