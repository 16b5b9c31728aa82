import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  MSL150_LAYOUT,
  HOLISTIC_543,
  HAND21_2D_LAYOUT,
  componentOffsets,
  mirrorPermutation,
  FrameFlag,
  layoutPointCount,
} from '../src/index.js';
import { distortNormalized, undistortPixel, undistortLandmarks, type Intrinsics } from '../src/preprocess/undistort.js';
import { grayStats, qualityFlags, dropFlaggedFrames } from '../src/preprocess/quality.js';
import { normalizeBody, normalizeHands } from '../src/preprocess/normalize.js';
import { mirrorLandmarks } from '../src/preprocess/mirror.js';
import { resampleFrames } from '../src/preprocess/resample.js';
import { augmentLandmarks } from '../src/preprocess/augment.js';
import { createRng } from '../src/preprocess/random.js';
import { groupKFold, stratifiedKFold, autoSplit, SplitError } from '../src/preprocess/splits.js';
import { syntheticSample } from './helpers/synthetic.js';

const K: Intrinsics = { fx: 900, fy: 910, cx: 640, cy: 360, distortion: [-0.28, 0.09, 0.001, -0.0005, -0.012] };

test('undistortion inverts the OpenCV distortion model to well under a millipixel', () => {
  let worst = 0;
  for (let u = 0; u <= 1280; u += 160) {
    for (let v = 0; v <= 720; v += 120) {
      const x = (u - K.cx) / K.fx;
      const y = (v - K.cy) / K.fy;
      const [xd, yd] = distortNormalized(x, y, K);
      const [uu, vv] = undistortPixel(xd * K.fx + K.cx, yd * K.fy + K.cy, K);
      worst = Math.max(worst, Math.hypot(uu - u, vv - v));
    }
  }
  assert.ok(worst < 1e-3, `worst error ${worst} px`);
  // in place on image-normalised landmarks, missing points untouched
  const data = new Float32Array([0.1, 0.1, 0, 1, 0, 0, 0, 0]);
  undistortLandmarks(data, K, { x: 1280, y: 720 });
  assert.notEqual(data[0], Math.fround(0.1));
  assert.deepEqual(Array.from(data.subarray(4)), [0, 0, 0, 0]);
});

test('quality: gray stats tell dark and blurred frames; hands outside the image or lost at the border are flagged', () => {
  const w = 64;
  const h = 48;
  const sharp = new Uint8Array(w * h).map((_, i) => (((i % w) >> 2) + ((i / w) >> 2)) % 2 ? 220 : 30);
  const flat = new Uint8Array(w * h).fill(15);
  const s1 = grayStats(sharp, w, h);
  const s2 = grayStats(flat, w, h);
  assert.ok(s1.sharpness > 1000 && s1.brightness > 100);
  assert.equal(s2.sharpness, 0);
  assert.equal(s2.brightness, 15);

  const layout = MSL150_LAYOUT;
  const points = layoutPointCount(layout);
  const s = syntheticSample(layout, 'q', 'yo', 4);
  const right = (componentOffsets(layout).get('right_hand')?.start ?? 0);
  // frame 1: a right-hand point beyond the right edge; frame 2: hand gone after being at the border
  s.data[(1 * points + right + 4) * 4] = 1.05;
  for (let p = 0; p < 21; p++) s.data.fill(0, (2 * points + right + p) * 4, (2 * points + right + p) * 4 + 4);
  const flags = qualityFlags({ data: s.data, flags: new Uint8Array(4), frames: 4 }, layout, { space: 'image-normalized' }, [{ brightness: 10, sharpness: 500 }, { brightness: 100, sharpness: 5 }]);
  assert.equal(flags[0], FrameFlag.lowLight);
  assert.equal(flags[1], FrameFlag.blur | FrameFlag.handsOut);
  assert.equal(flags[2], FrameFlag.handsOut, 'the hand left through the border');
  assert.equal(flags[3], 0);
  const { sample, dropped } = dropFlaggedFrames({ ...s, frames: 4, flags }, points, ['handsOut', 'lowLight']);
  assert.equal(sample?.frames, 1);
  assert.deepEqual(dropped, { handsOut: 2, lowLight: 1 });
});

test('body normalisation: shoulders land at (±0.5, 0) with width 1; hand normalisation puts the wrist at 0', () => {
  const layout = HOLISTIC_543;
  const points = layoutPointCount(layout);
  const pose = componentOffsets(layout).get('pose')?.start ?? 0;
  const data = new Float32Array(2 * points * 4);
  const set = (f: number, p: number, x: number, y: number) => data.set([x, y, 0.1, 1], (f * points + p) * 4);
  set(0, pose + 11, 0.7, 0.5); // left shoulder (image right)
  set(0, pose + 12, 0.3, 0.5);
  set(0, pose + 0, 0.5, 0.3); // nose
  set(1, pose + 0, 0.6, 0.3); // frame 1 has no shoulders: uses frame 0's
  assert.ok(normalizeBody(data, layout));
  const at = (f: number, p: number) => Array.from(data.subarray((f * points + p) * 4, (f * points + p) * 4 + 2)).map((v) => Math.round(v * 1e5) / 1e5);
  assert.deepEqual(at(0, pose + 11), [0.5, 0]);
  assert.deepEqual(at(0, pose + 12), [-0.5, 0]);
  assert.deepEqual(at(0, pose + 0), [0, -0.5]);
  assert.deepEqual(at(1, pose + 0), [0.25, -0.5]);
  assert.equal(normalizeBody(new Float32Array(points * 4), layout), false, 'no shoulders anywhere');

  const hand = syntheticSample(HAND21_2D_LAYOUT, 'h', 'x', 1).data;
  normalizeHands(hand, HAND21_2D_LAYOUT);
  assert.deepEqual(Array.from(hand.subarray(0, 3)), [0, 0, 0]);
  const m = Math.hypot(hand[36] ?? 0, hand[37] ?? 0, hand[38] ?? 0);
  assert.ok(Math.abs(m - 1) < 1e-6, 'wrist to middle MCP has length 1');
});

test('mirroring reflects x and swaps left and right; twice is the identity', () => {
  const layout = MSL150_LAYOUT;
  const perm = mirrorPermutation(layout);
  const off = componentOffsets(layout);
  const left = off.get('left_hand')?.start ?? -1;
  const right = off.get('right_hand')?.start ?? -1;
  assert.equal(perm[left + 3], right + 3);
  assert.equal(perm[11], 12, 'left shoulder ↔ right shoulder');
  assert.equal(perm[0], 0, 'nose stays');
  const s = syntheticSample(layout, 'm', 'yo', 3);
  s.data.fill(0, (0 * 67 + left) * 4, (0 * 67 + left + 21) * 4); // left hand missing in frame 0
  const once = mirrorLandmarks(s.data, layout, { space: 'image-normalized' });
  assert.equal(once[(right + 2) * 4 + 3], 0, 'the missing left hand became a missing right hand');
  assert.ok(Math.abs((once[12 * 4] ?? 0) - (1 - (s.data[11 * 4] ?? 0))) < 1e-6);
  const twice = mirrorLandmarks(once, layout, { space: 'image-normalized' });
  twice.forEach((v, i) => assert.ok(Math.abs(v - (s.data[i] ?? 0)) < 1e-6));
});

test('resampling keeps the ends, interpolates between visible points and never blends with a missing one', () => {
  const points = 1;
  const data = new Float32Array([0, 0, 0, 1, 10, 20, 0, 1, 0, 0, 0, 0]);
  const r = resampleFrames(data, new Uint8Array([0, 0, FrameFlag.noLandmarks]), points, 7);
  const frame = (j: number) => Array.from(r.data.subarray(j * 4, j * 4 + 4)).map((v) => Math.round(v * 1000) / 1000);
  assert.deepEqual(frame(0), [0, 0, 0, 1]);
  assert.deepEqual(frame(1), [3.333, 6.667, 0, 1]);
  assert.deepEqual(frame(3), [10, 20, 0, 1]);
  assert.deepEqual(frame(4), [10, 20, 0, 1], 'nearer frame 1, not a blend with the missing frame 2');
  assert.deepEqual(frame(6), [0, 0, 0, 0]);
  assert.equal(r.flags[6], FrameFlag.noLandmarks);
});

test('augmentations are deterministic from the seed and change the data; dropout removes about p of the points', () => {
  const layout = MSL150_LAYOUT;
  const s = syntheticSample(layout, 'a', 'yo', 20);
  const params = { rotationDeg: 15, scale: 0.1, timeWarp: 0.2, dropout: 0.2 };
  const a = augmentLandmarks(s.data, new Uint8Array(20), 67, params, createRng(42));
  const b = augmentLandmarks(s.data, new Uint8Array(20), 67, params, createRng(42));
  const c = augmentLandmarks(s.data, new Uint8Array(20), 67, params, createRng(43));
  assert.deepEqual(a.data, b.data);
  assert.notDeepEqual(a.data, c.data);
  let dropped = 0;
  for (let o = 3; o < a.data.length; o += 4) if (a.data[o] === 0) dropped++;
  const frac = dropped / (a.data.length / 4);
  assert.ok(frac > 0.15 && frac < 0.25, `dropout fraction ${frac}`);
  assert.ok(a.data.every((v) => Number.isFinite(v)));
});

test('group k-fold never shares a signer between folds, is balanced and seeded; stratified spreads each class', () => {
  const signers: string[] = [];
  const labels: string[] = [];
  for (let s = 0; s < 10; s++) for (let i = 0; i < 5 + s; i++) {
    signers.push(`p${s}`);
    labels.push(`c${i % 3}`);
  }
  const g = groupKFold(signers, 5, 7);
  const foldOf = new Map<string, Set<number>>();
  signers.forEach((s, i) => foldOf.set(s, (foldOf.get(s) ?? new Set()).add(g.folds[i] ?? -1)));
  for (const folds of foldOf.values()) assert.equal(folds.size, 1);
  assert.ok(Math.max(...g.foldSizes) - Math.min(...g.foldSizes) <= 3, `sizes ${g.foldSizes.join(',')}`);
  assert.deepEqual(groupKFold(signers, 5, 7).folds, g.folds);
  assert.throws(() => groupKFold(['a', 'a', 'b'], 3, 1), SplitError);
  const st = stratifiedKFold(labels, 5, 1);
  for (const cls of ['c0', 'c1', 'c2']) {
    const counts = new Array<number>(5).fill(0);
    labels.forEach((l, i) => {
      if (l === cls) counts[st.folds[i] ?? 0] = (counts[st.folds[i] ?? 0] ?? 0) + 1;
    });
    assert.ok(Math.max(...counts) - Math.min(...counts) <= 1, `${cls}: ${counts.join(',')}`);
  }
  assert.equal(autoSplit(labels.map(() => null), labels, 5, 1).method, 'stratified-kfold');
});
