import { test } from 'node:test';
import assert from 'node:assert/strict';
import { landmarkPacketSchema, MAX_MESSAGE_BYTES, ValidationError } from '@signflow/core';
import { createDetector, toLandmarkPacket, type HandResult, type PoseResult } from '../src/index.ts';

function hand(handedness: 'left' | 'right', dx: number): HandResult {
  const landmarks = Array.from({ length: 21 }, (_, i) => ({ x: 100.123456 + i + dx, y: 200.987654 + i, z: -i * 1.5 }));
  return { landmarks, worldLandmarks: landmarks.map((p) => ({ x: p.x / 1000, y: p.y / 1000, z: p.z / 1000 })), handedness, handednessScore: 0.97, score: 0.99 };
}
const pose: PoseResult = {
  landmarks: Array.from({ length: 33 }, (_, i) => ({ x: 300 + i, y: 400 + i, z: -10, visibility: 0.9, presence: 0.95 })),
  worldLandmarks: Array.from({ length: 33 }, () => ({ x: 0.1, y: 0.2, z: 0.3 })),
  score: 0.9,
};

void test('a static detector frame becomes a valid, small landmark packet', async () => {
  const detector = await createDetector('static', { respond: () => ({ hands: [hand('right', 0), hand('left', 50)], pose }) });
  const frame = await detector.detect({ data: new Uint8Array(640 * 480 * 3), width: 640, height: 480 }, 40);
  const packet = toLandmarkPacket(frame, { rig: 'rig1', camera: 'cam-a', seq: 7, captureTimeNs: 1_700_000_000_123_456_789n, detector: detector.description, world: true });
  assert.equal(packet.hands.length, 2);
  assert.equal(packet.hands[0]?.landmarks.length, 63);
  assert.equal(packet.hands[0]?.landmarks[0], 100.12);
  assert.equal(packet.pose?.landmarks.length, 132);
  assert.equal(packet.captureTimeNs, '1700000000123456789');
  const bytes = Buffer.byteLength(JSON.stringify(packet));
  assert.ok(bytes < 8 * 1024, `packet is ${bytes} bytes`);
  assert.ok(bytes < MAX_MESSAGE_BYTES);
  assert.deepEqual(landmarkPacketSchema.parse(JSON.parse(JSON.stringify(packet))), packet);
  assert.equal(packet.face, undefined);
  await detector.close();
});

void test('the packet schema rejects wrong landmark counts and bad tokens', () => {
  const good = { rig: 'r', camera: 'c', seq: 0, captureTimeNs: '1', width: 10, height: 10, hands: [], pose: null, detector: { name: 'x', version: '1' } };
  assert.ok(landmarkPacketSchema.safeParse(good).success);
  assert.equal(landmarkPacketSchema.safeParse({ ...good, rig: 'a.b' }).success, false);
  assert.equal(landmarkPacketSchema.safeParse({ ...good, pose: { score: 1, landmarks: [1, 2, 3] } }).success, false);
  assert.equal(landmarkPacketSchema.safeParse({ ...good, captureTimeNs: 12 }).success, false);
});

void test('a wrong buffer size is a clear ValidationError', async () => {
  const detector = await createDetector('static', { respond: () => ({ hands: [], pose: null }) });
  await assert.rejects(() => detector.detect({ data: new Uint8Array(100), width: 640, height: 480 }, 0), (err: unknown) => {
    assert.ok(err instanceof ValidationError);
    assert.match(err.message, /100 bytes fit neither RGB \(921600\) nor RGBA \(1228800\) for 640x480/);
    return true;
  });
  await assert.rejects(() => detector.detect({ data: new Uint8Array(12), width: 2, height: 2, channels: 4 }, 0), /12 bytes, expected 16/);
  await assert.rejects(() => detector.detect({ data: new Uint8Array(0), width: 0, height: 2 }, 0), /width: must be a positive integer/);
});

void test('unknown detector kinds are refused', async () => {
  await assert.rejects(() => createDetector('nope' as 'static'), /unknown detector "nope"/);
});
