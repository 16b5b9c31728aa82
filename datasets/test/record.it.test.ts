import { test } from 'node:test';
import assert from 'node:assert/strict';
import { connect } from '@nats-io/transport-node';
import { Kvm } from '@nats-io/kv';
import { kvBuckets, subjects, type LandmarkPacket } from '@signflow/core';
import { startTestNats, tempDir } from '@signflow/testkit';
import { DatasetStore, openDataset, FUSED_POINTS, FrameFlag } from '../src/index.js';
import { parseLabels } from '../src/record/labels.js';
import { recordFromNats } from '../src/record/recorder.js';
import { rigFromDocument } from '../src/record/rig.js';
import { project } from '../src/fusion/camera.js';
import type { Vec3 } from '../src/fusion/linalg.js';

const intrinsics = { fx: 800, fy: 800, cx: 640, cy: 360, distortion: [-0.05, 0.01, 0, 0, 0] };

function signer(t: number): { pose: Vec3[]; left: Vec3[]; right: Vec3[] } {
  const pose: Vec3[] = Array.from({ length: 33 }, (_, i) => [(i % 7) * 0.05 - 0.15, Math.floor(i / 7) * 0.12 - 0.3, 0.01 * (i % 3)]);
  pose[11] = [0.18, -0.1, 0];
  pose[12] = [-0.18, -0.1, 0];
  pose[23] = [0.1, 0.4, 0];
  pose[24] = [-0.1, 0.4, 0];
  const left: Vec3[] = Array.from({ length: 21 }, (_, i) => [0.25 + 0.005 * i + 0.1 * t, -0.25 + 0.004 * i, -0.2]);
  const right: Vec3[] = Array.from({ length: 21 }, (_, i) => [-0.25 - 0.005 * i, -0.2 + 0.003 * i - 0.05 * t, -0.18]);
  return { pose, left, right };
}

function packetFor(rig: ReturnType<typeof rigFromDocument>, camera: string, seq: number, timeNs: bigint, t: number): LandmarkPacket {
  const cam = rig.cameras.get(camera);
  const { pose, left, right } = signer(t);
  const px = (X: Vec3): [number, number] => (cam ? (project(cam, X) ?? [0, 0]) : [640 + X[0] * 800, 360 + X[1] * 800]);
  return {
    v: 1,
    rig: rig.id,
    camera,
    seq,
    captureTimeNs: timeNs.toString(),
    width: 1280,
    height: 720,
    pose: { score: 0.9, landmarks: pose.flatMap((X) => [...px(X).map((v) => Math.round(v * 100) / 100), 0, 0.95]) },
    hands: [
      { handedness: 'left', handednessScore: 0.9, score: 0.85, landmarks: left.flatMap((X) => [...px(X).map((v) => Math.round(v * 100) / 100), 0]) },
      { handedness: 'right', handednessScore: 0.9, score: 0.85, landmarks: right.flatMap((X) => [...px(X).map((v) => Math.round(v * 100) / 100), 0]) },
    ],
    detector: { name: 'synthetic', version: '0', models: {} },
  };
}

const LABELS = 'start,end,gloss,signer\n0.0,1.0,hello,ana\n1.2,2.0,thanks,ana\n2.5,3.0,late,ana\n';

async function publishSession(url: string, rig: ReturnType<typeof rigFromDocument>, cameras: string[], base: bigint): Promise<void> {
  const nc = await connect({ servers: url });
  try {
    for (let k = 0; k <= 110; k++) {
      const sec = k / 30;
      if (sec > 2.3 && sec < 3.2) continue; // a gap: the "late" segment gets no frames
      for (const camera of cameras) {
        const jitter = camera === cameras[0] ? 0n : 3_000_000n;
        nc.publish(subjects.landmarks(rig.id, camera), JSON.stringify(packetFor(rig, camera, k, base + BigInt(Math.round(sec * 1e9)) + jitter, sec)));
      }
      if (k === 5) nc.publish(subjects.landmarks(rig.id, cameras[0] ?? 'x'), JSON.stringify({ v: 1, rig: rig.id, broken: true }));
    }
    // past the last segment's end: the recorder stops
    nc.publish(subjects.landmarks(rig.id, cameras[0] ?? 'x'), JSON.stringify(packetFor(rig, cameras[0] ?? 'x', 999, base + 4_000_000_000n, 4)));
    await nc.flush();
  } finally {
    await nc.close();
  }
}

test('record: one camera, packets from a real nats-server cut by the label file into pixel samples', async () => {
  await using nats = await startTestNats();
  await using dir = await tempDir();
  const store = DatasetStore.local(dir.path);
  const rig = rigFromDocument({ id: 'booth1', cameras: [{ id: 'front' }] });
  const base = 1_800_000_000_000_000_000n;
  // The camera agent's heartbeat says the front camera is dark (brightness 0.1 of 1) but sharp.
  const hb = await connect({ servers: nats.url });
  const kv = await new Kvm(hb).create(kvBuckets.cameras, { history: 1 });
  await kv.put('booth1.front', JSON.stringify({ rig: 'booth1', camera: 'front', quality: { brightness: 0.1, blur: 900, overExposed: 0, underExposed: 0.2 } }));
  await hb.close();
  let published: Promise<void> | undefined;
  const v = await recordFromNats({
    store,
    name: 'booth',
    rig,
    segments: parseLabels(LABELS, 'labels.csv'),
    natsUrl: nats.url,
    timeoutMs: 20_000,
    onReady: () => {
      published = publishSession(nats.url, rig, ['front'], base);
    },
  });
  await published;
  assert.deepEqual(v.manifest.classCounts, { hello: 1, thanks: 1 });
  assert.deepEqual(v.manifest.signerCounts, { ana: 2 });
  assert.equal(v.manifest.quality.skipped['too-few-frames'], 1, 'the late segment had no frames');
  assert.equal(v.manifest.quality.skipped['invalid-packet'], 1);
  assert.equal(v.invalidPackets, 1);
  assert.equal(v.manifest.coordinates.space, 'pixels');
  const ds = await openDataset('booth', { store });
  const hello = await ds.sample(0);
  assert.equal(hello.frames, 30, 'frames 0..29 fall in [0, 1) s');
  assert.deepEqual(hello.cameras, ['front']);
  assert.ok(Math.abs(hello.fps - 30) < 0.01);
  assert.ok(hello.flags.every((f) => f === FrameFlag.lowLight), 'every frame flagged low light from the heartbeat');
  assert.equal(v.manifest.quality.flagged['lowLight'], 54);
  const thanks = await ds.sample(1);
  assert.equal(thanks.frames, 24, 'frames 36..59 fall in [1.2, 2.0) s');
});

test('record: two calibrated cameras are triangulated into one fused sample per segment, in the body frame', async () => {
  await using nats = await startTestNats();
  await using dir = await tempDir();
  const store = DatasetStore.local(dir.path);
  const rig = rigFromDocument({
    id: 'booth2',
    cameras: [
      { id: 'front', calibration: { intrinsics, extrinsics: { rotation: [0, 0, 0], translation: [0, 0, 2] } } },
      { id: 'side', calibration: { intrinsics, extrinsics: { rotation: [0, -0.6, 0], translation: [0, 0, 2] } } },
    ],
  });
  const base = 1_800_000_100_000_000_000n;
  let published: Promise<void> | undefined;
  const v = await recordFromNats({
    store,
    name: 'booth2',
    rig,
    segments: parseLabels(LABELS, 'labels.csv'),
    natsUrl: nats.url,
    timeoutMs: 20_000,
    onReady: () => {
      published = publishSession(nats.url, rig, ['front', 'side'], base);
    },
  });
  await published;
  assert.equal(v.manifest.coordinates.space, 'body');
  assert.deepEqual(v.manifest.cameras, ['front', 'side']);
  const s = await (await openDataset(v.id, { store })).sample(0);
  assert.equal(s.frames, 30);
  const at = (f: number, p: number) => Array.from(s.data.subarray((f * FUSED_POINTS + p) * 4, (f * FUSED_POINTS + p) * 4 + 4));
  const ls = at(5, 11);
  assert.ok(Math.abs((ls[0] ?? 0) - 0.5) < 0.01 && Math.abs(ls[1] ?? 0) < 0.01, `left shoulder at ${ls.join(',')}`);
  // the left wrist at t = 5/30 s: x = 0.25 + 0.1 t m; shoulders 0.36 m apart, centred at x = 0
  const lw = at(5, 33);
  assert.ok(Math.abs((lw[0] ?? 0) - (0.25 + 0.1 * (5 / 30)) / 0.36) < 0.02, `left wrist x ${lw[0]}`);
  assert.ok((lw[3] ?? 0) > 0.8);
});
