import { test } from 'node:test';
import assert from 'node:assert/strict';
import { connect } from '@nats-io/transport-node';
import { jetstream, jetstreamManager, DeliverPolicy } from '@nats-io/jetstream';
import { landmarkPacketSchema, streams, subjects, type LandmarkPacket } from '@signflow/core';
import { startTestNats, tempDir, waitFor, fixture } from '@signflow/testkit';
import { startAgent } from '../src/index.js';
import { makeRig, readStoredFrames, testsrcCamera } from './helpers.js';

async function readPackets(url: string, rig: string, camera: string): Promise<LandmarkPacket[]> {
  const nc = await connect({ servers: url });
  try {
    const subject = subjects.landmarks(rig, camera);
    const info = await (await jetstreamManager(nc)).streams.info(streams.landmarks, { subjects_filter: subject });
    const expected = info.state.subjects?.[subject] ?? 0;
    const consumer = await jetstream(nc).consumers.get(streams.landmarks, { filter_subjects: [subject], deliver_policy: DeliverPolicy.All });
    const out: LandmarkPacket[] = [];
    if (expected === 0) return out;
    const messages = await consumer.consume();
    for await (const m of messages) {
      out.push(landmarkPacketSchema.parse(m.json()));
      if (out.length >= expected) break;
    }
    await messages.close();
    return out;
  } finally {
    await nc.close();
  }
}

test('edge landmark mode: MediaPipe runs on the agent and publishes landmark packets beside (or instead of) the JPEGs', { timeout: 120_000 }, async () => {
  await using nats = await startTestNats();
  await using state = await tempDir();
  const rig = makeRig([
    { id: 'hands', role: 'hands', source: { kind: 'file', path: fixture('tfjs-models', 'asl_hand.25fps.mp4'), loop: true }, resolution: '310x540', fps: 10, jpegQuality: 80, landmarks: { mode: 'beside', fps: 4 } },
    testsrcCamera('overview', { landmarks: { mode: 'only', fps: 2 } }),
  ]);
  const agent = await startAgent({ rig, servers: nats.url, stateDir: state.path });
  try {
    await waitFor('landmark packets from both cameras', async () => {
      const [hands, overview] = agent.status().cameras;
      return (hands?.landmarks?.packets ?? 0) >= 4 && (overview?.landmarks?.packets ?? 0) >= 2 ? true : undefined;
    }, { timeoutMs: 60_000 });
  } finally {
    await agent.stop();
  }
  const [hands, overview] = agent.status().cameras;
  const packets = await readPackets(nats.url, 'booth1', 'hands');
  assert.equal(packets.length, hands?.landmarks?.packets);
  assert.ok(packets.some((p) => p.hands.length > 0), 'the hand in the fixture clip is found at the edge');
  const first = packets[0];
  assert.ok(first);
  assert.equal(first.width, 310);
  assert.equal(first.height, 540);
  assert.ok(BigInt(first.captureTimeNs) > 0n);
  assert.ok((await readStoredFrames(nats.url, 'booth1', 'hands')).length > 0, 'beside: JPEGs still go out');
  assert.equal((await readStoredFrames(nats.url, 'booth1', 'overview')).length, 0, 'only: no JPEG leaves the agent');
  assert.ok((await readPackets(nats.url, 'booth1', 'overview')).length >= 2);
  const ratio = hands?.landmarks?.bandwidthRatio ?? 1;
  assert.ok(ratio < 0.5, `a landmark packet is much smaller than a JPEG (ratio ${ratio})`);
  assert.ok(overview?.landmarks);
  process.stdout.write(`# edge landmarks: ${hands?.landmarks?.bytesPerPacket} B/packet vs ${hands?.landmarks?.bytesPerJpeg} B/JPEG (310x540, q80): ratio ${ratio}\n`);
});
