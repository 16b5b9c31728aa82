import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { connect } from '@nats-io/transport-node';
import { headers as natsHeaders } from '@nats-io/nats-core';
import { jetstream, jetstreamManager } from '@nats-io/jetstream';
import { frameHeaderRecord, landmarkPacketSchema, subjects, type LandmarkPacket } from '@signflow/core';
import { createDetector } from '@signflow/landmarks';
import { requireTool } from '@signflow/stack';
import { fixture, startTestNats, tempDir, waitFor } from '@signflow/testkit';
import { startExtraction } from '../../src/extraction/service.js';
import { ensureStream, liveStreamConfigs } from '../../src/transcriber/streams.js';

const RIG = 'ext';

test('two extraction workers of a rig share its frames: every JPEG becomes one landmark packet, in order; garbage frames are counted', async () => {
  await using nats = await startTestNats();
  await using dir = await tempDir();
  // Real frames of the fixture clip: every 30th frame, as JPEG.
  execFileSync(requireTool('ffmpeg').path, ['-loglevel', 'error', '-i', fixture('tfjs-models', 'asl_hand.25fps.mp4'), '-vf', "select='not(mod(n\\,30))'", '-vsync', '0', '-frames:v', '6', '-q:v', '3', join(dir.path, '%02d.jpg')]);
  const jpegs = readdirSync(dir.path).sort().map((n) => readFileSync(join(dir.path, n)));
  const reference = JSON.parse(readFileSync(fixture('tfjs-models', 'asl_hand.full.json'), 'utf8')) as number[][][];
  const nc = await connect({ servers: nats.url });
  try {
    await ensureStream(await jetstreamManager(nc), liveStreamConfigs.frames);
    const packets: LandmarkPacket[] = [];
    const sub = nc.subscribe(subjects.landmarksOfRig(RIG), {
      callback: (_err, msg) => {
        packets.push(landmarkPacketSchema.parse(msg.json()));
      },
    });
    const deps = { nc, createDetector: () => createDetector('mediapipe', { pose: false, maxHands: 1 }) };
    await using a = await startExtraction(deps, { rig: RIG, maxLagMs: 60_000 });
    await using b = await startExtraction(deps, { rig: RIG, maxLagMs: 60_000 });
    const js = jetstream(nc);
    const publish = async (data: Uint8Array, seq: number, valid = true): Promise<void> => {
      const now = BigInt(Date.now()) * 1_000_000n;
      const h = natsHeaders();
      if (valid) for (const [k, v] of Object.entries(frameHeaderRecord({ rig: RIG, camera: 'front', seq, captureWallNs: now, captureMonoNs: now, width: 620, height: 1080, encoding: 'jpeg', calibrationVersion: '' }))) h.set(k, v);
      await js.publish(subjects.frames(RIG, 'front'), data, { headers: h });
    };
    await publish(new TextEncoder().encode('not a jpeg'), 100); // valid headers, broken image
    await publish(new Uint8Array([0xff, 0xd8]), 101, false); // no headers at all
    for (const [i, data] of jpegs.entries()) await publish(data, i);

    await waitFor('a packet per frame', () => Promise.resolve(packets.length >= jpegs.length ? true : undefined), { timeoutMs: 120_000 });
    sub.unsubscribe();
    assert.deepEqual(
      packets.map((p) => p.seq),
      jpegs.map((_, i) => i),
      'each frame once, in capture order',
    );
    const sa = a.stats();
    const sb = b.stats();
    assert.equal(sa.garbage + sb.garbage, 2);
    assert.equal(sa.packets + sb.packets, jpegs.length);
    // MediaPipe finds the hand where the upstream reference has it (wrist within 40 px).
    let close = 0;
    for (const packet of packets) {
      const hand = packet.hands[0];
      const ref = reference[packet.seq * 30]?.[0];
      if (hand && ref && Math.hypot((hand.landmarks[0] ?? 0) - (ref[0] ?? 0), (hand.landmarks[1] ?? 0) - (ref[1] ?? 0)) < 40) close++;
    }
    assert.ok(close >= jpegs.length - 1, `${close}/${jpegs.length} frames with the hand where the reference has it`);
  } finally {
    await nc.close();
  }
});
