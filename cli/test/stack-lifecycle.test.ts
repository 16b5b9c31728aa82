import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { createServer } from 'node:net';
import { connect } from '@nats-io/transport-node';
import { jetstream, jetstreamManager } from '@nats-io/jetstream';
import { spawn } from 'node:child_process';
import { natsServiceConnectOptions, natsUserConnectOptions } from '@signflow/core';
import { freePort, isAlive, waitFor } from '@signflow/stack';
import { tempDir } from '@signflow/testkit';
import { cliBin, runCli } from './run-cli.js';

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
  adminToken?: string;
  adminTokenFile?: string;
}

/** Every file under dir (logs, state, configs), for checking that no secret was written in clear. */
function filesUnder(dir: string): string[] {
  return readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((e) => e.isFile())
    .map((e) => join(e.parentPath, e.name));
}

test('up --detach brings NATS (JetStream) and Temporal up with auth on by default (admin token, NATS users, anonymous refused, no secret in status or logs), status reports them healthy, down leaves no process', async () => {
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

    // auth on by default: the API refuses anonymous calls; the local CLI uses the bootstrapped token
    const { adminToken, adminTokenFile } = started;
    assert.ok(adminToken && adminTokenFile, 'the first up prints the admin token once');
    assert.equal(statSync(adminTokenFile).mode & 0o777, 0o600);
    assert.equal(readFileSync(adminTokenFile, 'utf8').trim(), adminToken);
    const api = started.parts['api']?.endpoint;
    assert.ok(api);
    assert.equal((await fetch(`${api}/v1/runs`)).status, 401, 'no token: refused');
    assert.equal((await fetch(`${api}/v1/runs`, { headers: { authorization: `Bearer ${adminToken}` } })).status, 200);
    const runs = await runCli([...base, 'run', 'ls'], env);
    assert.equal(runs.code, 0, `the local CLI signs in with the token file: ${runs.stderr}`);

    // NATS users on by default: anonymous clients refused, the service user finds the provisioned streams
    const natsUrl = started.parts['nats']?.endpoint ?? '';
    await assert.rejects(connect({ servers: natsUrl, reconnect: false, timeout: 3000 }), /authorization|auth/i);
    const service = await connect({ servers: natsUrl, ...natsServiceConnectOptions(dir.path) });
    try {
      const names = (await (await jetstreamManager(service)).streams.names().next()).sort();
      assert.deepEqual(names, ['KV_signflow_cameras', 'SIGNFLOW_CAPTIONS', 'SIGNFLOW_FRAMES', 'SIGNFLOW_LANDMARKS']);
    } finally {
      await service.close();
    }
    for (const seedFile of ['signflow', 'admin', 'operator', 'viewer', 'demo-front'].map((u) => join(dir.path, 'auth', 'nats', `${u}.nk`))) {
      assert.equal(statSync(seedFile).mode & 0o777, 0o600, seedFile);
    }

    // the demo rig's camera user (restricted: it may not create streams) streams into the provisioned stream
    const seed = join(dir.path, 'auth', 'nats', 'demo-front.nk');
    writeFileSync(join(dir.path, 'rig.yaml'), 'id: demo\ncameras:\n  - { id: front, role: body, source: { kind: testsrc }, resolution: 160x120, fps: 10, jpegQuality: 60 }\n');
    const agent = spawn(process.execPath, [cliBin, '--data-dir', dir.path, 'camera', 'run', '--rig', join(dir.path, 'rig.yaml'), '--nkey-seed', seed, '--inbox-prefix', '_INBOX_demo-front'], { env: { ...process.env, ...env }, stdio: 'ignore' });
    const watcher = await connect({ servers: natsUrl, ...natsServiceConnectOptions(dir.path) });
    try {
      const jsm = await jetstreamManager(watcher);
      await waitFor('frames from the camera user', async () => {
        const info = await jsm.streams.info('SIGNFLOW_FRAMES', { subjects_filter: 'signflow.frames.demo.front' });
        return (info.state.subjects?.['signflow.frames.demo.front'] ?? 0) >= 5 ? true : undefined;
      }, { timeoutMs: 60_000, abortIf: () => (agent.exitCode !== null ? new Error(`camera agent exited with ${agent.exitCode}`) : undefined) });
      const camera = await connect({ servers: natsUrl, ...natsUserConnectOptions({ seedFile: seed, inboxPrefix: '_INBOX_demo-front' }) });
      try {
        await assert.rejects(jetstream(camera, { timeout: 3000 }).publish('signflow.frames.demo.side', new Uint8Array([1])), /permission|timeout/i, "another camera's subject is refused");
        await assert.rejects((await jetstreamManager(camera)).streams.add({ name: 'X', subjects: ['x.>'] }), /permission|timeout/i, 'a camera user cannot create streams');
      } finally {
        await camera.close();
      }
    } finally {
      agent.kill('SIGTERM');
      await watcher.close();
    }

    // secrets appear neither in status (text or JSON) nor in any log or state file of the data dir
    const seeds = readdirSync(join(dir.path, 'auth', 'nats')).map((f) => readFileSync(join(dir.path, 'auth', 'nats', f), 'utf8').trim());
    const secrets = [adminToken, adminToken.split('_').at(-1) ?? adminToken, ...seeds];
    const statusText = await runCli(['--data-dir', dir.path, 'status'], env);
    for (const out of [status.stdout + status.stderr, statusText.stdout + statusText.stderr, runs.stdout + runs.stderr]) {
      for (const secret of secrets) assert.ok(!out.includes(secret), 'a secret in status output');
    }
    const authDir = join(dir.path, 'auth');
    for (const file of filesUnder(dir.path).filter((f) => !f.startsWith(authDir))) {
      const text = readFileSync(file, 'latin1');
      for (const secret of secrets) assert.ok(!text.includes(secret), `a secret in ${file}`);
    }

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
