import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { repoRoot } from '@signflow/stack';
import { startTestNats, tempDir, waitFor } from '@signflow/testkit';
import { listVideoDevices, readFleetStatus, type CameraStatus } from '../src/index.js';
import { readStoredFrames, withConnection, gapsAndRepeats, testTimeout } from './helpers.js';

const signflow = join(repoRoot, 'cli', 'bin', 'signflow.js');

const RIG = `
id: cli-rig
cameras:
  - { id: front, role: body, source: { kind: testsrc }, resolution: 160x120, fps: 15, jpegQuality: 70 }
  - { id: left, role: hands, source: { kind: testsrc, pattern: smptebars }, resolution: 160x120, fps: 15, jpegQuality: 70 }
heartbeat: { interval: 300ms }
`;

test('`signflow camera run` streams until SIGTERM, then drains and exits 0; `signflow cameras` shows the fleet', testTimeout, async () => {
  await using nats = await startTestNats();
  await using dir = await tempDir();
  const rigFile = join(dir.path, 'rig.yaml');
  writeFileSync(rigFile, RIG);
  const child = spawn(process.execPath, [signflow, 'camera', 'run', '--rig', rigFile, '--nats', nats.url, '--state-dir', join(dir.path, 'state')], {
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, SIGNFLOW_DATA_DIR: dir.path },
  });
  let output = '';
  child.stdout.on('data', (c: Buffer) => (output += c.toString()));
  child.stderr.on('data', (c: Buffer) => (output += c.toString()));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  try {
    await waitFor('heartbeats with frames sent', async () => {
      const fleet = await withConnection(nats.url, (nc) => readFleetStatus(nc, 'cli-rig')).catch(() => [] as CameraStatus[]);
      return fleet.length === 2 && fleet.every((s) => s.framesSent >= 20) ? true : undefined;
    }, { timeoutMs: 30_000 });
  } finally {
    child.kill('SIGTERM');
  }
  assert.equal(await exited, 0, `clean exit after SIGTERM; output:\n${output}`);

  const fleet = await withConnection(nats.url, (nc) => readFleetStatus(nc, 'cli-rig'));
  for (const status of fleet) {
    assert.equal(status.state, 'stopped');
    assert.equal(status.buffered, 0, 'nothing left in the buffer');
    const frames = await readStoredFrames(nats.url, 'cli-rig', status.camera);
    assert.equal(frames.length, status.framesCaptured, `${status.camera}: every captured frame reached the stream`);
    assert.deepEqual(gapsAndRepeats(frames.map((f) => f.headers.seq)), { gaps: 0, repeats: 0, outOfOrder: 0 });
  }

  const json = spawnSync(process.execPath, [signflow, '--json', 'cameras', '--nats', nats.url], { encoding: 'utf8', env: { ...process.env, SIGNFLOW_DATA_DIR: dir.path } });
  assert.equal(json.status, 0, json.stderr);
  const listed = JSON.parse(json.stdout) as CameraStatus[];
  assert.deepEqual(listed.map((s) => `${s.rig}.${s.camera}`), ['cli-rig.front', 'cli-rig.left']);
  const table = spawnSync(process.execPath, [signflow, 'cameras', '--nats', nats.url], { encoding: 'utf8', env: { ...process.env, SIGNFLOW_DATA_DIR: dir.path } });
  assert.equal(table.status, 0, table.stderr);
  assert.match(table.stdout, /^RIG\s+CAMERA\s+ROLE\s+STATE\s+FPS/);
  assert.match(table.stdout, /cli-rig\s+left\s+hands\s+stopped/);
});

test('list-devices reads V4L2 devices from sysfs and handles none present', async () => {
  await using dir = await tempDir();
  assert.deepEqual(listVideoDevices({ sysfsDir: join(dir.path, 'absent') }), []);
  for (const [node, name] of [['video2', 'Side cam'], ['video0', 'Integrated Camera'], ['media0', 'not video']] as const) {
    mkdirSync(join(dir.path, node), { recursive: true });
    writeFileSync(join(dir.path, node, 'name'), `${name}\n`);
  }
  assert.deepEqual(listVideoDevices({ sysfsDir: dir.path }), [
    { device: '/dev/video0', name: 'Integrated Camera', formats: [] },
    { device: '/dev/video2', name: 'Side cam', formats: [] },
  ]);
  const cli = spawnSync(process.execPath, [signflow, '--json', 'camera', 'list-devices'], { encoding: 'utf8' });
  assert.equal(cli.status, 0, cli.stderr);
  assert.ok(Array.isArray(JSON.parse(cli.stdout)), 'prints a JSON list (empty on a machine without cameras)');
});
