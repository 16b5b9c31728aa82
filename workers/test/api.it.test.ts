import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { loadConfig, TokenStore } from '@signflow/core';
import { ApiError, PipelinesClient } from '@signflow/pipelines/api-client';
import { startApiServer } from '@signflow/pipelines/api';
import { waitFor } from '@signflow/testkit';
import { startHarness } from './helpers/harness.js';
import { numbersPipeline } from './fixtures/pipelines.js';

const cliBin = fileURLToPath(new URL('../../cli/bin/signflow.js', import.meta.url));

async function rejection(work: Promise<unknown>): Promise<ApiError> {
  try {
    await work;
  } catch (err) {
    if (err instanceof ApiError) return err;
    throw err;
  }
  assert.fail('expected the API to refuse');
}

test('the HTTP API and the CLI: upload, submit, get, logs, list, lineage, schedules and clear errors', async () => {
  await using h = await startHarness();
  const config = loadConfig({ env: {}, overrides: { dataDir: h.dataDir, api: { port: 0 }, temporal: { namespace: h.temporal.namespace } } }).config;
  const api = await startApiServer({ config, temporalAddress: h.temporal.address, taskQueue: h.taskQueue });
  try {
    // the API refuses anonymous calls: an operator token, as `signflow token create` makes
    const token = (await new TokenStore(config.dataDir).create({ name: 'api-test', role: 'operator' })).token;
    assert.equal((await fetch(`${api.url}/v1/runs`)).status, 401, 'no token: refused');
    const client = new PipelinesClient(api.url, { token });
    const openapi = (await (await fetch(`${api.url}/openapi.json`)).json()) as { openapi: string; paths: Record<string, unknown> };
    assert.equal(openapi.openapi, '3.1.0');
    assert.ok(openapi.paths['/v1/runs/{id}/retry']);

    const badSpec = await rejection(client.upload({ ...numbersPipeline.compile(), name: 'Not A Name' }));
    assert.equal(badSpec.status, 400);
    assert.equal(badSpec.issues[0]?.path, 'name');
    const uploaded = await client.upload(numbersPipeline.compile(), 'v1');
    assert.deepEqual((await client.pipelines()).pipelines.map((p) => `${p.name}@${p.version}`), ['numbers@v1']);

    const badArgs = await rejection(client.submit({ pipeline: 'numbers', parameters: { count: 'many', colour: 'red' } }));
    assert.equal(badArgs.status, 400);
    assert.deepEqual(badArgs.issues.map((i) => i.path).sort(), ['parameters.colour', 'parameters.count']);
    assert.equal((await rejection(client.submit({ pipeline: 'nothing' }))).status, 404);

    const { runId } = await client.submit({ pipeline: uploaded.name, parameters: { count: 3 }, experiment: 'api' });
    const run = await waitFor('the run to end', async () => {
      const r = await client.run(runId);
      return ['succeeded', 'failed'].includes(r.status) ? r : undefined;
    }, { timeoutMs: 60_000 });
    assert.equal(run.status, 'succeeded', run.error ?? '');
    assert.equal(run.pipelineVersion, 'v1');
    assert.match((await client.logs(runId, 'prep.make-numbers')).text, /made 3 numbers/);
    assert.equal((await rejection(client.cancel(runId))).status, 409);
    assert.equal((await rejection(client.run('no-such-run'))).status, 404);

    const numbers = run.steps.find((s) => s.stepPath === 'prep.make-numbers')?.outputs['numbers'];
    assert.ok(numbers?.kind === 'artifact');
    const graph = await client.lineage(numbers.ref.uri);
    assert.equal(graph.root, `artifact:${numbers.ref.sha256}`);
    assert.ok(graph.upstream.some((e) => e.from === `run:${runId}`), 'upstream reaches the run through its step');

    // The CLI against the same API.
    // (asynchronously: the API answering it runs in this process)
    const cli = (...args: string[]) =>
      new Promise<{ code: number; stdout: string; stderr: string }>((resolve) => {
        execFile(process.execPath, [cliBin, '--json', ...args], { env: { ...process.env, SIGNFLOW_API_URL: api.url, SIGNFLOW_API_TOKEN: token } }, (err, stdout, stderr) =>
          resolve({ code: err ? Number(err.code ?? 1) : 0, stdout, stderr }),
        );
      });
    const ls = await cli('run', 'ls', '--experiment', 'api');
    assert.equal(ls.code, 0, ls.stderr);
    assert.deepEqual((JSON.parse(ls.stdout) as { runs: { runId: string }[] }).runs.map((r) => r.runId), [runId]);
    const get = await cli('run', 'get', 'no-such-run');
    assert.equal(get.code, 1);
    assert.match(get.stderr, /run no-such-run not found/);

    const exps = await cli('experiment', 'ls');
    assert.deepEqual((JSON.parse(exps.stdout) as { name: string; runs: number }[]).map((e) => [e.name, e.runs]), [['api', 1]]);

    // A recurring run through a Temporal Schedule, managed with the CLI.
    const created = await cli('schedule', 'create', 'every-second', 'numbers', '--every', '1', '-p', 'count=2', '-p', 'publish=false', '--experiment', 'nightly');
    assert.equal(created.code, 0, created.stderr);
    await waitFor('a scheduled run to finish', async () => {
      const page = await client.runs({ experiment: 'nightly', status: 'succeeded' });
      return page.runs.length > 0 ? true : undefined;
    }, { timeoutMs: 60_000 });
    const removed = await cli('schedule', 'rm', 'every-second');
    assert.equal(removed.code, 0, removed.stderr);
    // (schedule listing goes through Temporal visibility, which follows shortly)
    await waitFor('the schedule to be gone', async () => ((await client.schedules()).schedules.length === 0 ? true : undefined), { timeoutMs: 10_000 });
  } finally {
    await api.close();
  }
});
