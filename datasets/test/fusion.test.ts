import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { LandmarkPacket } from '@signflow/core';
import { cameraFromCalibration, project, type CameraModel } from '../src/fusion/camera.js';
import { triangulate, type Observation } from '../src/fusion/triangulate.js';
import { cross, normalize, sub, matVec, type Mat3, type Vec3 } from '../src/fusion/linalg.js';
import { bodyFrame, toBodyFrame } from '../src/fusion/body-frame.js';
import { fusePackets, fusedToBodyFrame, FUSED_POINTS } from '../src/fusion/fuse.js';
import { createRng } from '../src/preprocess/random.js';

const K = { fx: 900, fy: 900, cx: 640, cy: 360, distortion: [-0.12, 0.03, 0.0005, -0.0003, 0] };

/** A camera at `centre` looking at `target` (y down in the image). */
function lookAt(id: string, centre: Vec3, target: Vec3 = [0, 0, 0]): CameraModel {
  const z = normalize(sub(target, centre));
  const x = normalize(cross([0, 1, 0], z));
  const y = cross(z, x);
  const R: Mat3 = [...x, ...y, ...z];
  const t = matVec(R, centre).map((v) => -v) as Vec3;
  return { id, intrinsics: K, R, t };
}

const RIG = [lookAt('front', [0, -0.2, -2.2]), lookAt('left', [-1.6, -0.3, -1.6]), lookAt('right', [1.7, -0.1, -1.4]), lookAt('top', [0.2, -1.8, -1.5])];

function points(n: number, seed: number): Vec3[] {
  const rng = createRng(seed);
  return Array.from({ length: n }, () => [rng.uniform(-0.4, 0.4), rng.uniform(-0.5, 0.3), rng.uniform(-0.3, 0.3)] as Vec3);
}

function observe(X: Vec3, cams: CameraModel[], noisePx = 0, seed = 1): Observation[] {
  const rng = createRng(seed);
  return cams.flatMap((camera) => {
    const p = project(camera, X);
    return p ? [{ camera, u: p[0] + noisePx * rng.normal(), v: p[1] + noisePx * rng.normal(), weight: 0.9 }] : [];
  });
}

test('triangulation is exact without noise (distorted synthetic cameras)', () => {
  for (const X of points(50, 1)) {
    const r = triangulate(observe(X, RIG));
    assert.ok(r);
    assert.ok(Math.hypot(r.X[0] - X[0], r.X[1] - X[1], r.X[2] - X[2]) < 1e-6);
    assert.equal(r.views.length, 4);
    assert.ok(Math.max(...r.errors) < 1e-4);
  }
});

test('with 1 px noise the error stays within a few mm, also with one view missing', () => {
  const err = (cams: CameraModel[]) => {
    const e = points(200, 2).map((X, i) => {
      const r = triangulate(observe(X, cams, 1, i + 10));
      assert.ok(r);
      return Math.hypot(r.X[0] - X[0], r.X[1] - X[1], r.X[2] - X[2]);
    });
    return { mean: e.reduce((a, b) => a + b, 0) / e.length, max: Math.max(...e) };
  };
  const all = err(RIG);
  const three = err(RIG.slice(0, 3));
  const two = err(RIG.slice(0, 2));
  assert.ok(all.mean < 0.003 && all.max < 0.012, `4 views: ${JSON.stringify(all)}`);
  assert.ok(three.mean < 0.004 && three.max < 0.015, `3 views: ${JSON.stringify(three)}`);
  assert.ok(two.mean < 0.006 && two.max < 0.025, `2 views: ${JSON.stringify(two)}`);
});

test('a view 60 px off is rejected by its reprojection error; one view alone gives nothing', () => {
  const X: Vec3 = [0.1, -0.2, 0.05];
  const obs = observe(X, RIG, 0.5, 3);
  const bad = obs[2];
  assert.ok(bad);
  bad.u += 60;
  const r = triangulate(obs);
  assert.ok(r);
  assert.deepEqual(r.rejected, ['right']);
  assert.ok(Math.hypot(r.X[0] - X[0], r.X[1] - X[1], r.X[2] - X[2]) < 0.005);
  assert.equal(triangulate(observe(X, RIG.slice(0, 1))), undefined);
  // low-confidence views are ignored
  const weak = observe(X, RIG).map((o, i) => ({ ...o, weight: i < 3 ? 0.05 : 0.9 }));
  assert.equal(triangulate(weak), undefined);
});

test('a calibration from the rig file (Rodrigues rotation, translation) projects like the matrix camera', () => {
  const cam = cameraFromCalibration('c', { intrinsics: { ...K, distortion: [-0.2, 0.05] }, extrinsics: { rotation: [0, 0.3, 0], translation: [0.1, 0, 2] } });
  const p = project(cam, [0, 0, 0]);
  assert.ok(p);
  assert.ok(Math.abs(p[1] - 360) < 1e-9, 'a rotation about y keeps the image row of the origin (radial distortion only)');
});

test('body frame: shoulders at (±0.5, 0, 0), hips straight below; fused packets land in it', () => {
  const bf = bodyFrame([0.2, 0, 0], [-0.2, 0, 0], [0, 0.5, 0]);
  assert.ok(bf);
  assert.deepEqual(toBodyFrame(bf, [0.2, 0, 0]).map((v) => Math.round(v * 1e9) / 1e9), [0.5, 0, 0]);
  assert.deepEqual(toBodyFrame(bf, [0, 0.4, 0]).map((v) => Math.round(v * 1e9) / 1e9), [0, 1, 0]);

  // A synthetic signer: pose points, both hands; each camera publishes what it sees.
  const pose: Vec3[] = Array.from({ length: 33 }, (_, i) => [(i % 7) * 0.05 - 0.15, Math.floor(i / 7) * 0.12 - 0.3, 0.02 * (i % 3)]);
  pose[11] = [0.18, -0.1, 0];
  pose[12] = [-0.18, -0.1, 0];
  pose[23] = [0.1, 0.4, 0];
  pose[24] = [-0.1, 0.4, 0];
  const left: Vec3[] = Array.from({ length: 21 }, (_, i) => [0.25 + 0.005 * i, -0.25 + 0.004 * i, -0.2]);
  const right: Vec3[] = Array.from({ length: 21 }, (_, i) => [-0.25 - 0.005 * i, -0.2 + 0.003 * i, -0.18]);
  const packets: LandmarkPacket[] = RIG.map((camera, ci) => ({
    v: 1,
    rig: 'r1',
    camera: camera.id,
    seq: 0,
    captureTimeNs: '0',
    width: 1280,
    height: 720,
    pose: { score: 0.95, landmarks: pose.flatMap((X) => [...(project(camera, X) ?? [0, 0]), 0, 0.9]) },
    // the top camera misses the right hand
    hands: [
      { handedness: 'left' as const, handednessScore: 0.9, score: 0.9, landmarks: left.flatMap((X) => [...(project(camera, X) ?? [0, 0]), 0]) },
      ...(ci === 3 ? [] : [{ handedness: 'right' as const, handednessScore: 0.9, score: 0.9, landmarks: right.flatMap((X) => [...(project(camera, X) ?? [0, 0]), 0]) }]),
    ],
    detector: { name: 'synthetic', version: '0', models: {} },
  }));
  const cams = new Map(RIG.map((c) => [c.id, c]));
  const { data, stats } = fusePackets(packets, cams);
  assert.equal(stats.triangulated, FUSED_POINTS);
  assert.equal(stats.degraded, 21, 'the right hand came from 3 of 4 views');
  const at = (p: number): Vec3 => [data[p * 4] ?? 0, data[p * 4 + 1] ?? 0, data[p * 4 + 2] ?? 0];
  assert.ok(Math.hypot(...sub(at(33 + 5), left[5] as Vec3)) < 1e-6);
  assert.ok(fusedToBodyFrame(data));
  assert.deepEqual(at(11).map((v) => Math.round(v * 1e6) / 1e6), [0.5, 0, 0]);
  assert.deepEqual(at(12).map((v) => Math.round(v * 1e6) / 1e6), [-0.5, 0, 0]);
  const lw = at(33);
  assert.ok(lw[0] > 0.5, 'the left hand is beyond the left shoulder in body units');
});
