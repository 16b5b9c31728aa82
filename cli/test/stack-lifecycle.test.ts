import { test } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { createServer } from 'node:net';
import { freePort, isAlive } from '@signflow/stack';
import { tempDir } from '@signflow/testkit';
import { runCli } from './run-cli.js';

async function freePortsEnv(): Promise<NodeJS.ProcessEnv> {
  return {
    SIGNFLOW_NATS_PORT: String(await freePort()),
    SIGNFLOW_NATS_MONITOR_PORT: String(await freePort()),
    SIGNFLOW_TEMPORAL_PORT: String(await freePort()),
    SIGNFLOW_TEMPORAL_UI_PORT: String(await freePort()),
    SIGNFLOW_API_PORT: String(await freePort()),
  };
}

interface StatusJson {
  healthy: boolean;
  supervisorPid: number | null;
  parts: { part: string; healthy: boolean; detail: string }[];
}
interface UpJson {
  supervisorPid: number;
  parts: Record<string, { pid?: number; endpoint: string }>;
}

test('up --detach brings NATS (JetStream) and Temporal up, status reports them healthy, down leaves no process', async () => {
  await using dir = await tempDir();
  const env = await freePortsEnv();
  const base = ['--data-dir', dir.path, '--json'];
  const up = await runCli([...base, 'up', '--detach'], env);
  try {
    assert.equal(up.code, 0, up.stderr);
    const started = JSON.parse(up.stdout) as UpJson;
    const pids = [started.supervisorPid, ...Object.values(started.parts).flatMap((p) => (p.pid ? [p.pid] : []))];
    assert.ok(pids.length >= 3, 'supervisor, nats-server and temporal each have a pid');
    assert.equal(started.parts['nats']?.endpoint, `nats://127.0.0.1:${env['SIGNFLOW_NATS_PORT']}`);

    const status = await runCli([...base, 'status'], env);
    assert.equal(status.code, 0, status.stdout + status.stderr);
    const report = JSON.parse(status.stdout) as StatusJson;
    assert.equal(report.healthy, true);
    assert.match(report.parts.find((p) => p.part === 'nats')?.detail ?? '', /JetStream enabled/);
    assert.match(report.parts.find((p) => p.part === 'temporal')?.detail ?? '', /namespace default ready/);

    const again = await runCli([...base, 'up', '--detach'], env);
    assert.notEqual(again.code, 0, 'a second up on the same data dir is refused');
    assert.match(again.stderr, /already running/);

    const down = await runCli([...base, 'down'], env);
    assert.equal(down.code, 0, down.stderr);
    assert.deepEqual(pids.filter(isAlive), [], 'no process is left behind');

    const after = await runCli([...base, 'status'], env);
    assert.equal(after.code, 1, 'status fails once the stack is down');
    assert.equal((JSON.parse(after.stdout) as StatusJson).healthy, false);
  } finally {
    await runCli([...base, 'down'], env);
  }
});

test('up with a malformed signflow.yaml exits non-zero naming the field', async () => {
  await using dir = await tempDir();
  const file = join(dir.path, 'signflow.yaml');
  writeFileSync(file, 'nats:\n  port: not-a-port\n');
  const result = await runCli(['--config', file, '--data-dir', dir.path, 'up']);
  assert.equal(result.code, 1);
  assert.match(result.stderr, /nats\.port: .*expected number/);
});

test('up with a port already in use names the part and the port', async () => {
  await using dir = await tempDir();
  const env = await freePortsEnv();
  const blocker = createServer();
  const taken = await new Promise<number>((resolve) => blocker.listen(0, '127.0.0.1', () => resolve((blocker.address() as { port: number }).port)));
  try {
    const result = await runCli(['--data-dir', dir.path, 'up', '--detach'], { ...env, SIGNFLOW_TEMPORAL_PORT: String(taken) });
    assert.equal(result.code, 1);
    assert.match(result.stderr, new RegExp(`temporal \\(frontend port\\): port ${taken} on 127\\.0\\.0\\.1 is already in use`));
  } finally {
    blocker.close();
    await runCli(['--data-dir', dir.path, 'down'], env);
  }
});

test('doctor reports each tool with where it was found', async () => {
  const result = await runCli(['--json', 'doctor']);
  const report = JSON.parse(result.stdout) as { findings: { check: string; ok: boolean; detail: string }[] };
  for (const name of ['nats-server', 'temporal', 'ffmpeg']) {
    const finding = report.findings.find((f) => f.check === name);
    assert.ok(finding, `doctor checks ${name}`);
    assert.match(finding.detail, /\[(env|tools-dir|ffmpeg-static|PATH)\]|missing/);
  }
});

test('doctor says how to fix a missing tool', async () => {
  const result = await runCli(['--json', 'doctor'], { SIGNFLOW_NATS_SERVER: '/nonexistent/nats-server' });
  assert.equal(result.code, 1);
  const report = JSON.parse(result.stdout) as { findings: { check: string; ok: boolean; fix?: string }[] };
  const nats = report.findings.find((f) => f.check === 'nats-server');
  assert.equal(nats?.ok, false);
  assert.match(nats?.fix ?? '', /npm run setup|SIGNFLOW_NATS_SERVER/);
});
