import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { freePort } from '@signflow/stack';
import { startTestTemporal, tempDir, waitFor } from '@signflow/testkit';

const cli = fileURLToPath(new URL('../../cli/bin/signflow.js', import.meta.url));

function start(args: string[], env: NodeJS.ProcessEnv): { child: ChildProcess; output: () => string; exit: Promise<number | null> } {
  let output = '';
  const child = spawn(process.execPath, [cli, ...args], { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  child.stdout?.on('data', (c: Buffer) => (output += c.toString()));
  child.stderr?.on('data', (c: Buffer) => (output += c.toString()));
  const exit = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  return { child, output: () => output, exit };
}

test('the chart’s processes run on existing servers: `signflow serve` answers with the packages’ API plugins, `signflow worker pipelines` polls, both stop cleanly on SIGTERM', async () => {
  await using temporal = await startTestTemporal();
  await using dir = await tempDir();
  const apiPort = await freePort();
  const token = 'cluster-commands-admin-token-0123456789abcdef';
  const env = { SIGNFLOW_TEMPORAL_ADDRESS: temporal.address, SIGNFLOW_DATA_DIR: dir.path, SIGNFLOW_API_PORT: String(apiPort), SIGNFLOW_LOG_LEVEL: 'info', SIGNFLOW_API_ADMIN_TOKEN: token };
  const serve = start(['serve'], env);
  const worker = start(['worker', 'pipelines', '--executor', 'local'], env);
  try {
    const spec = await waitFor(
      'the API to answer',
      async () => {
        const res = await fetch(`http://127.0.0.1:${apiPort}/openapi.json`);
        return res.ok ? ((await res.json()) as { openapi?: string }) : undefined;
      },
      { timeoutMs: 60_000, intervalMs: 250, abortIf: () => (serve.child.exitCode !== null ? new Error(`serve exited: ${serve.output()}`) : undefined) },
    );
    assert.match(spec.openapi ?? '', /^3\./);
    // the packages' API plugins are served too, as under `signflow up`
    for (const path of ['/v1/datasets', '/v1/models']) {
      const res = await fetch(`http://127.0.0.1:${apiPort}${path}`, { headers: { authorization: `Bearer ${token}` } });
      assert.equal(res.status, 200, `${path}: ${await res.text()}`);
    }
    assert.match(serve.output(), /"plugins":\[[^\]]*"datasets"[^\]]*\]/);
    assert.match(serve.output(), /"plugins":\[[^\]]*"console"[^\]]*\]/);
    await waitFor('the worker to poll', async () => (/pipeline worker polling/.test(worker.output()) ? true : undefined), {
      timeoutMs: 60_000,
      abortIf: () => (worker.child.exitCode !== null ? new Error(`worker exited: ${worker.output()}`) : undefined),
    });
  } finally {
    serve.child.kill('SIGTERM');
    worker.child.kill('SIGTERM');
  }
  assert.equal(await serve.exit, 0, serve.output());
  assert.equal(await worker.exit, 0, worker.output());
});

test('`signflow worker pipelines` refuses an unknown executor', async () => {
  const run = start(['worker', 'pipelines', '--executor', 'slurm'], {});
  assert.equal(await run.exit, 1);
  assert.match(run.output(), /--executor must be local or kubernetes, not "slurm"/);
});
