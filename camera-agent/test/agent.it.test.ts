import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Kvm } from '@nats-io/kv';
import { kvBuckets, subjects } from '@signflow/core';
import { startTestNats, tempDir, waitFor, fixture } from '@signflow/testkit';
import { jetstream } from '@nats-io/jetstream';
import { startAgent, cameraStatusSchema, consumeBundles } from '../src/index.js';
import { makeRig, readStoredFrames, testsrcCamera, withConnection, gapsAndRepeats, testTimeout } from './helpers.js';

test('a 3-camera rig (fixture clip + two testsrc) streams JPEG frames with headers, msg ids and heartbeats', testTimeout, async () => {
  await using nats = await startTestNats();
  await using state = await tempDir();
  const rig = makeRig([
    { id: 'hands', role: 'hands', source: { kind: 'file', path: fixture('tfjs-models', 'asl_hand.25fps.mp4'), loop: true }, resolution: '160x280', fps: 15, jpegQuality: 70, calibration: { version: 'cal-7', intrinsics: { fx: 200, fy: 200, cx: 80, cy: 140 } } },
    testsrcCamera('body'),
    testsrcCamera('side', { role: 'side' }),
  ], { bundle: { tolerance: '40ms' } });
  const agent = await startAgent({ rig, servers: nats.url, stateDir: state.path });
  try {
    await waitFor('30 frames sent from every camera', async () => (agent.status().cameras.every((c) => c.framesSent >= 30) ? true : undefined), { timeoutMs: 20_000 });
    await waitFor('heartbeats with quality signals', async () => {
      const statuses = agent.status().cameras;
      return statuses.every((s) => s.quality !== null) ? true : undefined;
    }, { timeoutMs: 10_000 });
    await waitFor('a measured clock offset', async () => (agent.status().clock !== null ? true : undefined), { timeoutMs: 10_000 });
  } finally {
    await agent.stop();
  }
  const status = agent.status();
  for (const camera of ['hands', 'body', 'side']) {
    const frames = await readStoredFrames(nats.url, 'booth1', camera);
    const sent = status.cameras.find((c) => c.camera === camera)?.framesSent ?? -1;
    assert.equal(frames.length, sent, `${camera}: the stream holds every frame the agent counted as sent`);
    assert.ok(frames.length >= 30);
    const seqs = frames.map((f) => f.headers.seq);
    assert.deepEqual(gapsAndRepeats(seqs), { gaps: 0, repeats: 0, outOfOrder: 0 });
    const first = frames[0];
    assert.ok(first);
    assert.deepEqual(first.firstBytes, [0xff, 0xd8], 'payload is a JPEG');
    assert.equal(first.msgId, `booth1.${camera}.${first.headers.seq}`);
    assert.equal(first.headers.rig, 'booth1');
    assert.equal(first.headers.camera, camera);
    assert.equal(first.headers.encoding, 'jpeg');
    assert.equal(first.headers.width, 160);
    assert.equal(first.headers.height, camera === 'hands' ? 280 : 120);
    assert.equal(first.headers.calibrationVersion, camera === 'hands' ? 'cal-7' : '');
    const wallMs = Number(first.headers.captureWallNs / 1_000_000n);
    assert.ok(Math.abs(wallMs - Date.now()) < 60_000, 'capture wall clock is ns since the epoch');
  }
  const heartbeats = await withConnection(nats.url, async (nc) => {
    const kv = await new Kvm(nc).open(kvBuckets.cameras);
    const hands = cameraStatusSchema.parse((await kv.get('booth1.hands'))?.json());
    return { hands, rigStatus: hands.bundles };
  });
  assert.equal(heartbeats.hands.state, 'stopped');
  assert.ok(heartbeats.hands.quality && heartbeats.hands.quality.brightness > 0.2, 'the light-blue wall clip is not dark');
  assert.ok(heartbeats.hands.fps >= 0);
  assert.ok(heartbeats.rigStatus && heartbeats.rigStatus.bundles > 10, `bundles formed across the 3 cameras (${JSON.stringify(heartbeats.rigStatus)})`);
  assert.ok(heartbeats.rigStatus.skewMsMax <= 40, 'bundle members lie within the tolerance');
  assert.ok(heartbeats.hands.clockOffsetMs !== null && Math.abs(heartbeats.hands.clockOffsetMs) < 1000, 'same host: the offset against the server is small');
  assert.equal(subjects.frames('booth1', 'hands'), 'signflow.frames.booth1.hands');

  // A consumer asks for multi-view bundles of the stored frames.
  const bundles = await withConnection(nats.url, async (nc) => {
    const out: { cameras: string[]; skewMs: number }[] = [];
    for await (const bundle of consumeBundles(jetstream(nc), { rig: 'booth1', cameras: ['hands', 'body', 'side'], toleranceMs: 40 })) {
      out.push({ cameras: [...bundle.members.keys()].sort(), skewMs: bundle.skewMs });
      if (out.length >= 10) break;
    }
    return out;
  });
  assert.equal(bundles.length, 10);
  for (const b of bundles) {
    assert.deepEqual(b.cameras, ['body', 'hands', 'side']);
    assert.ok(b.skewMs <= 40);
  }
});
