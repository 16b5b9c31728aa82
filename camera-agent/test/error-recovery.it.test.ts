import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Kvm } from '@nats-io/kv';
import { kvBuckets } from '@signflow/core';
import { startTestNats, tempDir, waitFor } from '@signflow/testkit';
import { cameraStatusSchema, startAgent, type CameraAgent, type CameraStatus } from '../src/index.js';
import { makeRig, testsrcCamera, testTimeout, withConnection } from './helpers.js';

function camera(agent: CameraAgent, id: string): CameraStatus {
  const status = agent.status().cameras.find((c) => c.camera === id);
  assert.ok(status, `camera ${id} has a status`);
  return status;
}

test('ffmpeg killed mid-stream: the camera reports the crash, restarts with backoff, streams again and its heartbeat then has no current error; the other camera is unaffected', testTimeout, async () => {
  await using nats = await startTestNats();
  await using state = await tempDir();
  const rig = makeRig([testsrcCamera('a'), testsrcCamera('b')]);
  const agent = await startAgent({ rig, servers: nats.url, stateDir: state.path });
  try {
    await waitFor('frames flowing', async () => (camera(agent, 'a').framesSent >= 10 ? true : undefined), { timeoutMs: 15_000 });
    const pid = agent.pipelines.find((p) => p.camera.id === 'a')?.source.pid;
    assert.ok(pid, 'camera a has an ffmpeg');
    process.kill(pid, 'SIGKILL');

    const failed = await waitFor('the crash reported', async () => (camera(agent, 'a').lastError ? camera(agent, 'a') : undefined), { timeoutMs: 10_000, intervalMs: 20 });
    assert.match(failed.lastError ?? '', /^camera a: ffmpeg exited \(signal SIGKILL\) after \d+ frames/);
    assert.equal(failed.state, 'error');
    const sentAtCrash = failed.framesSent;

    const recovered = await waitFor('frames again and the error cleared', async () => {
      const s = camera(agent, 'a');
      return s.framesSent >= sentAtCrash + 10 && s.lastError === null ? s : undefined;
    }, { timeoutMs: 15_000 });
    assert.equal(recovered.state, 'streaming');
    assert.notEqual(agent.pipelines.find((p) => p.camera.id === 'a')?.source.pid, pid, 'a new ffmpeg');
    assert.equal(recovered.lastErrorAt, null);
    assert.ok(recovered.restarts >= 1);
    assert.equal(recovered.errors, 1);
    assert.equal(recovered.previousError?.message, failed.lastError);
    assert.equal(recovered.previousError.at, failed.lastErrorAt);
    assert.ok(recovered.previousError.recoveredAt >= recovered.previousError.at);

    // What `signflow cameras` reads: the KV heartbeat, written after the recovery.
    const heartbeat = await waitFor('a heartbeat written after the recovery', async () => {
      const hb = await withConnection(nats.url, async (nc) => cameraStatusSchema.parse((await (await new Kvm(nc).open(kvBuckets.cameras)).get('booth1.a'))?.json()));
      return hb.previousError ? hb : undefined;
    }, { timeoutMs: 5000 });
    assert.equal(heartbeat.lastError, null);
    assert.equal(heartbeat.state, 'streaming');
    assert.match(heartbeat.previousError?.message ?? '', /signal SIGKILL/);

    const other = camera(agent, 'b');
    assert.equal(other.errors, 0, 'the other camera was not touched');
    assert.equal(other.lastError, null);
  } finally {
    await agent.stop();
  }
});
