import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Dataset, DatasetStore, FUSED_POINTS } from '@signflow/datasets';
import { tempDir } from '@signflow/testkit';
import { featureCount, featureSpecFromDataset, type FeatureSpec } from '../../src/inference/feature-spec.js';
import { handsRaised } from '../../src/transcriber/activity.js';
import { signFeatures, viewFrame, type LiveFrame } from '../../src/transcriber/live-frame.js';
import { mslFrameToPacket } from '../../src/transcriber/replay.js';
import { liftMslFrame, projectedPacket, rigCameraModels, syntheticRig } from '../../src/transcriber/replay-rig.js';
import { RigFrames } from '../../src/transcriber/rig-frames.js';
import { importFixture } from './fixture-model.js';
import { mslSets } from './helpers.js';

function maxAbsDiff(a: Float32Array, b: Float32Array): number {
  assert.equal(a.length, b.length);
  let max = 0;
  for (let i = 0; i < a.length; i++) max = Math.max(max, Math.abs((a[i] ?? 0) - (b[i] ?? 0)));
  return max;
}

test("live packets of a recorded sign give the training data's own features (MSL-150 dataset spec, toArrays order)", async () => {
  await using dir = await tempDir();
  const datasets = DatasetStore.local(dir.path);
  const id = await importFixture(datasets);
  const spec = await featureSpecFromDataset(datasets, id, 30);
  assert.equal(spec.layout.id, 'msl150-pose25-hands');
  assert.equal(spec.source, 'image-normalized');
  assert.equal(featureCount(spec), 67 * 4);
  const dataset = await Dataset.open(datasets, id);
  const { live } = await mslSets();
  let worst = 0;
  for (const sign of live) {
    const i = dataset.index.findIndex((e) => e.id === `${sign.label}/${sign.sequence}`);
    assert.ok(i >= 0, `${sign.label}/${sign.sequence} is in the dataset`);
    const expected = (await dataset.toArrays({ indices: [i] })).x;
    const frames: LiveFrame[] = sign.frames.map((f, seq) => viewFrame(mslFrameToPacket(f, { rig: 'r', camera: 'c0', seq, captureTimeNs: String(seq + 1) })));
    worst = Math.max(worst, maxAbsDiff(signFeatures(frames, spec), expected));
  }
  // Wire rounding only: 0.01 px of a 1280 px frame, visibility to 4 decimals.
  assert.ok(worst < 1e-4, `max feature difference ${worst}`);
});

test('three calibrated views of a sign fuse into the first view (re-projected), with an outlier view rejected; one view falls back', async () => {
  const { live } = await mslSets();
  const sign = live[1];
  assert.ok(sign);
  const rig = syntheticRig({ count: 3 });
  const cameras = rigCameraModels(rig);
  const fused = new RigFrames({ cameras });
  const single = new RigFrames({ cameras });
  const fusedFrames: LiveFrame[] = [];
  const singleFrames: LiveFrame[] = [];
  const reference: LiveFrame[] = [];
  sign.frames.forEach((frame, seq) => {
    const points = liftMslFrame(frame, rig[0] ?? assert.fail('no camera'));
    const captureTimeNs = String(1_000_000_000 + seq * 33_333_333);
    const packets = rig.map((view) => projectedPacket(points, view, { rig: 'r', seq, captureTimeNs }));
    // cam2's right hand is detected 60 px too low on every frame (off its epipolar lines): reprojection error rejects that view.
    const bad = packets[2];
    if (bad) bad.hands = bad.hands.map((h) => (h.handedness === 'right' ? { ...h, landmarks: h.landmarks.map((v, i) => (i % 3 === 1 ? v + 60 : v)) } : h));
    packets.forEach((p, i) => fusedFrames.push(...fused.push(p, seq * 3 + i).map((f) => f.frame)));
    const first = packets[0];
    assert.ok(first);
    singleFrames.push(...single.push(first, seq).map((f) => f.frame));
    reference.push(viewFrame(mslFrameToPacket(frame, { rig: 'r', camera: 'cam0', seq, captureTimeNs })));
  });
  assert.equal(fusedFrames.length, sign.frames.length);
  assert.ok(fusedFrames.every((f) => f.kind === 'fused' && f.cameras.length === 3));
  assert.equal(fused.counts.fused, sign.frames.length);
  assert.ok(singleFrames.every((f) => f.kind === 'view' && f.camera === 'cam0'), 'cam0 alone: single view');
  const imageSpec: FeatureSpec = { layout: { id: 'fused', components: [{ name: 'pose', points: 25, dims: 3 }, { name: 'left_hand', points: 21, dims: 3 }, { name: 'right_hand', points: 21, dims: 3 }] }, source: 'image-normalized', frames: 30, channels: ['x', 'y'] };
  // x, y of the fused sign re-projected into cam0 match what cam0 saw (well under a pixel of 1280).
  const error = maxAbsDiff(signFeatures(fusedFrames, imageSpec), signFeatures(reference, imageSpec));
  assert.ok(error < 1 / 1280, `fused vs seen: ${error * 1280} px`);
  assert.ok(maxAbsDiff(signFeatures(singleFrames, imageSpec), signFeatures(reference, imageSpec)) < 1e-4);

  // Body frame: the shoulders of the fused sign sit at (±0.5, 0, 0).
  const bodySpec: FeatureSpec = { ...imageSpec, source: 'body', channels: ['x', 'y', 'z'], components: ['pose'] };
  const body = signFeatures(fusedFrames, bodySpec);
  const shoulder = (frame: number, point: number): number[] => Array.from(body.subarray((frame * 25 + point) * 3, (frame * 25 + point) * 3 + 3));
  const [lx, ly, lz] = shoulder(5, 11);
  const [rx, ry, rz] = shoulder(5, 12);
  assert.ok(Math.abs((lx ?? 0) - 0.5) < 1e-3 && Math.abs(ly ?? 1) < 1e-3 && Math.abs(lz ?? 1) < 1e-3, `left shoulder ${lx}, ${ly}, ${lz}`);
  assert.ok(Math.abs((rx ?? 0) + 0.5) < 1e-3 && Math.abs(ry ?? 1) < 1e-3 && Math.abs(rz ?? 1) < 1e-3, `right shoulder ${rx}, ${ry}, ${rz}`);
  assert.equal(FUSED_POINTS, 75);
});

test('a rig camera that stops sending is no longer waited for: its instants fall back to the views left', () => {
  const rig = syntheticRig({ count: 2 });
  const frames = new RigFrames({ cameras: rigCameraModels(rig), activeWindowMs: 100 });
  const point = new Float64Array(226).fill(0.4);
  const points = liftMslFrame(point, rig[0] ?? assert.fail('no camera'));
  const packet = (camera: number, seq: number) => projectedPacket(points, rig[camera] ?? assert.fail('no camera'), { rig: 'r', seq, captureTimeNs: String(1_000_000_000 + seq * 33_000_000) });
  assert.equal(frames.push(packet(0, 0), 0).length, 0, 'waits for cam1');
  assert.equal(frames.holding, true);
  assert.equal(frames.push(packet(1, 0), 1)[0]?.frame.kind, 'fused');
  assert.equal(frames.holding, false);
  // cam1 goes silent: the next instant is emitted when a later packet shows it is over, then no more waiting.
  assert.equal(frames.push(packet(0, 1), 2).length, 0);
  const late = frames.push(packet(0, 2), 3);
  assert.equal(late[0]?.frame.kind, 'view');
  for (let seq = 3; seq < 8; seq++) frames.push(packet(0, seq), seq + 1);
  const alone = frames.push(packet(0, 8), 9);
  assert.equal(alone.length, 1, 'emitted at once');
  assert.equal(alone[0]?.frame.kind, 'view');
  assert.equal(handsRaised(packet(0, 8)), true);
});
