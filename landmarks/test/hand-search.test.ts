/**
 * When the hand tracker looks for new hands: the pure policy, the pose hint it takes, and the
 * rotated-rect containment under it. The real-model effect is in mediapipe.it.test.ts.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { COVERED_CHECK_FACTOR, needsPalmDetection, poseHandHint, type PoseHandHint } from '../src/mediapipe/hands.ts';
import { rectContains, type Rect } from '../src/processing/geometry.ts';
import type { PoseResult } from '../src/types.ts';

const size = { width: 640, height: 480 };

void test('rectContains: axis-aligned and rotated rects, normalized rect against pixel points', () => {
  const rect: Rect = { xCenter: 0.5, yCenter: 0.5, width: 0.25, height: 0.1, rotation: 0 }; // 160 × 48 px around (320, 240)
  assert.ok(rectContains(rect, { x: 320, y: 240 }, size));
  assert.ok(rectContains(rect, { x: 399, y: 263 }, size));
  assert.ok(!rectContains(rect, { x: 401, y: 240 }, size));
  assert.ok(!rectContains(rect, { x: 320, y: 265 }, size));
  // A quarter turn: the long side now runs vertically.
  const turned = { ...rect, rotation: Math.PI / 2 };
  assert.ok(rectContains(turned, { x: 320, y: 315 }, size));
  assert.ok(!rectContains(turned, { x: 399, y: 240 }, size));
});

function poseWithWrists(left: { x: number; y: number; visibility: number }, right: { x: number; y: number; visibility: number }): PoseResult {
  const landmarks = Array.from({ length: 33 }, () => ({ x: 320, y: 100, z: 0, visibility: 1, presence: 1 }));
  landmarks[15] = { ...left, z: 0, presence: 1 };
  landmarks[16] = { ...right, z: 0, presence: 1 };
  return { landmarks, worldLandmarks: landmarks.map(() => ({ x: 0, y: 0, z: 0 })), score: 0.9 };
}

void test('poseHandHint: a visible in-image wrist outside every tracked hand is uncovered; hidden or off-image wrists do not count', () => {
  const handAtLeft: Rect = { xCenter: 0.25, yCenter: 0.5, width: 0.2, height: 0.3, rotation: 0 };
  const inside = { x: 160, y: 240, visibility: 0.9 };
  assert.equal(poseHandHint(poseWithWrists(inside, { x: 480, y: 240, visibility: 0.9 }), [handAtLeft], size), 'uncovered');
  assert.equal(poseHandHint(poseWithWrists(inside, { x: 480, y: 240, visibility: 0.2 }), [handAtLeft], size), 'covered', 'a wrist the pose barely sees');
  assert.equal(poseHandHint(poseWithWrists(inside, { x: 480, y: 520, visibility: 0.9 }), [handAtLeft], size), 'covered', 'a wrist below the image');
  assert.equal(poseHandHint(poseWithWrists(inside, { x: 480, y: 240, visibility: 0.9 }), [handAtLeft, { ...handAtLeft, xCenter: 0.75 }], size), 'covered');
  assert.equal(poseHandHint(poseWithWrists(inside, { x: 480, y: 240, visibility: Number.NaN }), [handAtLeft], size), 'covered', 'NaN visibility is not visible');
});

void test('needsPalmDetection: no hand → always; all tracked → never; a pose hint steers the new-hand check', () => {
  const base = { maxHands: 2, everyFrames: 5, previousHint: undefined as PoseHandHint | undefined };
  const run = (tracked: number, framesSinceDetection: number, hint?: PoseHandHint, previousHint?: PoseHandHint) =>
    needsPalmDetection({ ...base, tracked, framesSinceDetection, hint, previousHint });
  assert.equal(run(0, 0, 'covered', 'covered'), true, 'nothing tracked: detect every frame');
  assert.equal(run(2, 100, 'uncovered'), false, 'maxHands tracked: never');
  // No pose: every 5th frame.
  assert.deepEqual([0, 1, 2, 3, 4].map((f) => run(1, f)), [false, false, false, false, true]);
  // A wrist that just became uncovered: at once; while it stays uncovered, every 5th frame.
  assert.equal(run(1, 0, 'uncovered', 'covered'), true);
  assert.equal(run(1, 0, 'uncovered', undefined), true);
  assert.equal(run(1, 1, 'uncovered', 'uncovered'), false);
  assert.equal(run(1, 4, 'uncovered', 'uncovered'), true);
  // Every visible wrist inside a tracked hand: COVERED_CHECK_FACTOR times less often.
  const every = 5 * COVERED_CHECK_FACTOR;
  assert.equal(run(1, every - 2, 'covered', 'covered'), false);
  assert.equal(run(1, every - 1, 'covered', 'covered'), true);
  assert.equal(run(1, Infinity, 'covered', 'covered'), true, 'never checked yet');
});
