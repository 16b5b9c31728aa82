import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { startTestNats, tempDir, waitFor } from '@signflow/testkit';
import { startAgent, type CameraAgent } from '../src/index.js';
import { makeRig, readStoredFrames, testsrcCamera, gapsAndRepeats, testTimeout } from './helpers.js';

function camera(agent: CameraAgent, id: string) {
  const status = agent.status().cameras.find((c) => c.camera === id);
  assert.ok(status, `camera ${id} has a status`);
  return status;
}

test('nats-server killed and restarted mid-stream: zero frames lost inside the buffer bound, no duplicates, in order', testTimeout, async () => {
  await using nats = await startTestNats();
  await using state = await tempDir();
  const rig = makeRig([testsrcCamera('a'), testsrcCamera('b')], { buffer: { maxFrames: 300 } });
  const agent = await startAgent({ rig, servers: nats.url, stateDir: state.path });
  try {
    await waitFor('frames flowing', async () => (camera(agent, 'a').framesSent >= 15 ? true : undefined), { timeoutMs: 15_000 });
    await nats.kill();
    await waitFor('frames piling up in the buffer while NATS is down', async () => (camera(agent, 'a').buffered >= 20 && camera(agent, 'b').buffered >= 20 ? true : undefined), { timeoutMs: 15_000 });
    await nats.restart();
    await waitFor('the buffer to empty after the reconnect', async () => (camera(agent, 'a').buffered <= 2 && camera(agent, 'b').buffered <= 2 ? true : undefined), { timeoutMs: 30_000 });
  } finally {
    await agent.stop();
  }
  for (const id of ['a', 'b']) {
    const status = camera(agent, id);
    assert.equal(status.dropped, 0, 'the outage fit in the buffer');
    assert.equal(status.buffered, 0, 'everything was sent before stop returned');
    const frames = await readStoredFrames(nats.url, 'booth1', id);
    const seqs = frames.map((f) => f.headers.seq);
    assert.equal(frames.length, status.framesCaptured, `${id}: every captured frame is in the stream exactly once`);
    assert.deepEqual(gapsAndRepeats(seqs), { gaps: 0, repeats: 0, outOfOrder: 0 });
    assert.equal(new Set(frames.map((f) => f.msgId)).size, frames.length, 'no msg id twice at the consumer');
  }
});

test('an outage longer than the buffer drops the oldest frames, counts them, and keeps order', testTimeout, async () => {
  await using nats = await startTestNats();
  await using state = await tempDir();
  const rig = makeRig([testsrcCamera('a')], { buffer: { maxFrames: 8 } });
  const agent = await startAgent({ rig, servers: nats.url, stateDir: state.path });
  try {
    await waitFor('frames flowing', async () => (camera(agent, 'a').framesSent >= 5 ? true : undefined), { timeoutMs: 15_000 });
    await nats.kill();
    await waitFor('drops counted', async () => (camera(agent, 'a').dropped >= 10 ? true : undefined), { timeoutMs: 15_000 });
    assert.ok(camera(agent, 'a').buffered <= 8, 'the buffer stays within its bound');
    await nats.restart();
    await waitFor('the buffer to empty', async () => (camera(agent, 'a').buffered <= 1 ? true : undefined), { timeoutMs: 30_000 });
  } finally {
    await agent.stop();
  }
  const status = camera(agent, 'a');
  const frames = await readStoredFrames(nats.url, 'booth1', 'a');
  const check = gapsAndRepeats(frames.map((f) => f.headers.seq));
  assert.equal(check.repeats, 0);
  assert.equal(check.outOfOrder, 0);
  assert.equal(frames.length + status.dropped, status.framesCaptured, 'every frame was either delivered once or counted as dropped');
  // A frame may be lost twice over only by being dropped: the gaps are exactly the drops.
  assert.equal(check.gaps, status.dropped);
});

test('with a disk buffer, frames beyond the memory bound spill to disk and still arrive in order', testTimeout, async () => {
  await using nats = await startTestNats();
  await using state = await tempDir();
  const rig = makeRig([testsrcCamera('a')], { buffer: { maxFrames: 4, diskDir: join(state.path, 'spill'), diskMaxBytes: '50MB' } });
  const agent = await startAgent({ rig, servers: nats.url, stateDir: state.path });
  try {
    await waitFor('frames flowing', async () => (camera(agent, 'a').framesSent >= 5 ? true : undefined), { timeoutMs: 15_000 });
    await nats.kill();
    await waitFor('frames spilled to disk', async () => (camera(agent, 'a').buffered >= 20 ? true : undefined), { timeoutMs: 15_000 });
    await nats.restart();
    await waitFor('the buffer to empty', async () => (camera(agent, 'a').buffered <= 1 ? true : undefined), { timeoutMs: 30_000 });
  } finally {
    await agent.stop();
  }
  const status = camera(agent, 'a');
  assert.equal(status.dropped, 0);
  const frames = await readStoredFrames(nats.url, 'booth1', 'a');
  assert.equal(frames.length, status.framesCaptured);
  assert.deepEqual(gapsAndRepeats(frames.map((f) => f.headers.seq)), { gaps: 0, repeats: 0, outOfOrder: 0 });
});
