import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { repoRoot } from '@signflow/stack';
import { startTestNats, tempDir, waitFor } from '@signflow/testkit';
import { loadRig, readFleetStatus, startAgent, type CameraAgent, type CameraStatus } from '../src/index.js';
import { gapsAndRepeats, makeRig, readStoredFrames, testsrcCamera, testTimeout, withConnection } from './helpers.js';

const signflow = join(repoRoot, 'cli', 'bin', 'signflow.js');

function camera(agent: CameraAgent, id: string): CameraStatus {
  const status = agent.status().cameras.find((c) => c.camera === id);
  assert.ok(status, `camera ${id} has a status`);
  return status;
}

/** Sequence numbers of the frames waiting in a disk buffer folder, ascending. */
function spilledSeqs(dir: string): number[] {
  return readdirSync(dir)
    .map((name) => /^(\d{16})\.frame$/.exec(name)?.[1])
    .filter((seq): seq is string => seq !== undefined)
    .map(Number)
    .sort((a, b) => a - b);
}

function range(from: number, to: number): number[] {
  return Array.from({ length: to - from + 1 }, (_, i) => from + i);
}

test('agent killed (SIGKILL) while NATS is down: the next start resends every spilled frame once, in order, before new ones', testTimeout, async () => {
  await using nats = await startTestNats();
  await using dir = await tempDir();
  const spill = join(dir.path, 'spill');
  const rigFile = join(dir.path, 'rig.yaml');
  writeFileSync(
    rigFile,
    [
      'id: crashrig',
      'cameras:',
      '  - { id: a, role: body, source: { kind: testsrc }, resolution: 160x120, fps: 15, jpegQuality: 70 }',
      `buffer: { maxFrames: 4, diskDir: ${JSON.stringify(spill)}, diskMaxBytes: 50MB }`,
      'heartbeat: { interval: 300ms }',
    ].join('\n'),
  );
  const state = join(dir.path, 'state');
  const child = spawn(process.execPath, [signflow, 'camera', 'run', '--rig', rigFile, '--nats', nats.url, '--state-dir', state], {
    stdio: ['ignore', 'ignore', 'pipe'],
    env: { ...process.env, SIGNFLOW_DATA_DIR: dir.path },
  });
  let stderr = '';
  child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
  const exited = new Promise<NodeJS.Signals | null>((resolve) => child.once('exit', (_code, signal) => resolve(signal)));
  const folder = join(spill, 'crashrig', 'a');
  try {
    await waitFor('the agent process sending frames', async () => {
      const fleet = await withConnection(nats.url, (nc) => readFleetStatus(nc, 'crashrig')).catch(() => [] as CameraStatus[]);
      return (fleet[0]?.framesSent ?? 0) >= 10 ? true : undefined;
    }, { timeoutMs: 30_000 });
    await nats.kill();
    await waitFor('frames spilled to disk', async () => (spilledSeqs(folder).length >= 15 ? true : undefined), { timeoutMs: 15_000 });
  } finally {
    child.kill('SIGKILL');
  }
  assert.equal(await exited, 'SIGKILL', stderr);
  const spilled = spilledSeqs(folder);
  const lastSpilled = spilled.at(-1) ?? -1;
  assert.deepEqual(spilled, range(spilled[0] ?? 0, lastSpilled), 'the disk holds a contiguous run of frames');

  await nats.restart();
  const agent = await startAgent({ rig: loadRig(rigFile), servers: nats.url, stateDir: state });
  try {
    assert.ok(camera(agent, 'a').buffered >= spilled.length, 'the restarted agent took up the frames on disk');
    await waitFor('the spilled frames sent and new ones after them', async () => {
      const status = camera(agent, 'a');
      return spilledSeqs(folder).length === 0 && status.framesSent >= spilled.length + 10 ? true : undefined;
    }, { timeoutMs: 30_000 });
  } finally {
    await agent.stop();
  }
  const frames = await readStoredFrames(nats.url, 'crashrig', 'a');
  const seqs = frames.map((f) => f.headers.seq);
  const before = seqs.filter((s) => s <= lastSpilled);
  const after = seqs.filter((s) => s > lastSpilled);
  // Frames sent before the crash, then every spilled frame: nothing missing, nothing twice.
  assert.deepEqual(before, range(0, lastSpilled), 'the first run\'s frames up to the last spilled one, each once, in order');
  assert.equal(seqs.indexOf(lastSpilled), before.length - 1, 'old frames come before the new run\'s frames');
  assert.ok(after.length >= 10, 'the new run streams with numbers past the old ones');
  const check = gapsAndRepeats(after);
  assert.equal(check.repeats + check.outOfOrder + check.gaps, 0, 'the new run\'s frames are contiguous');
  assert.equal(new Set(frames.map((f) => f.msgId)).size, frames.length, 'no msg id twice at the consumer');
});

test('agent stopped while NATS is down keeps its unsent frames on disk; the next start sends them all', testTimeout, async () => {
  await using nats = await startTestNats();
  await using dir = await tempDir();
  const rig = makeRig([testsrcCamera('a')], { buffer: { maxFrames: 6, diskDir: join(dir.path, 'spill'), diskMaxBytes: '50MB' } });
  const first = await startAgent({ rig, servers: nats.url, stateDir: dir.path, drainTimeoutMs: 300 });
  let captured: number;
  let kept: number;
  try {
    await waitFor('frames flowing', async () => (camera(first, 'a').framesSent >= 5 ? true : undefined), { timeoutMs: 15_000 });
    await nats.kill();
    await waitFor('frames buffered in memory and on disk', async () => (camera(first, 'a').buffered >= 15 ? true : undefined), { timeoutMs: 15_000 });
  } finally {
    const stopped = await first.stop();
    captured = camera(first, 'a').framesCaptured;
    kept = stopped.kept;
    assert.ok(stopped.unsent >= 15, `unsent ${stopped.unsent}`);
    assert.equal(stopped.kept, stopped.unsent, 'every unsent frame, memory ones included, went to disk');
  }
  await nats.restart();
  const second = await startAgent({ rig, servers: nats.url, stateDir: dir.path });
  try {
    await waitFor('kept frames sent, then new ones', async () => (camera(second, 'a').framesSent >= kept + 10 ? true : undefined), { timeoutMs: 30_000 });
  } finally {
    await second.stop();
  }
  const seqs = (await readStoredFrames(nats.url, 'booth1', 'a')).map((f) => f.headers.seq);
  assert.deepEqual(seqs.slice(0, captured), range(0, captured - 1), 'every frame the first run captured reached the stream once, in order');
  const later = seqs.slice(captured);
  assert.ok(later.length > 0 && (later[0] ?? 0) >= captured, 'the second run numbers its frames past the first run\'s');
  assert.deepEqual(gapsAndRepeats(later), { gaps: 0, repeats: 0, outOfOrder: 0 });
});
