/**
 * When the hand tracker looks for new hands: the pure policy and the pose hint it takes. The
 * real-model effect is in mediapipe.it.test.ts.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { COVERED_CHECK_FACTOR, needsPalmDetection, poseHandHint, type PoseHandHint, type TrackedHand } from '../src/mediapipe/hands.ts';
import type { PoseResult } from '../src/types.ts';

const size = { width: 640, height: 480 };

function poseWithWrists(left: { x: number; y: number; visibility: number }, right: { x: number; y: number; visibility: number }): PoseResult {
  const landmarks = Array.from({ length: 33 }, () => ({ x: 320, y: 100, z: 0, visibility: 1, presence: 1 }));
  landmarks[15] = { ...left, z: 0, presence: 1 };
  landmarks[16] = { ...right, z: 0, presence: 1 };
  return { landmarks, worldLandmarks: landmarks.map(() => ({ x: 0, y: 0, z: 0 })), score: 0.9 };
}

void test('poseHandHint: a visible in-image wrist with no tracked hand of its side there is uncovered; hidden or off-image wrists do not count', () => {
  const left: TrackedHand = { handedness: 'left', wrist: { x: 160, y: 240 }, palm: 40 };
  const right: TrackedHand = { handedness: 'right', wrist: { x: 480, y: 240 }, palm: 40 };
  const atLeft = { x: 165, y: 236, visibility: 0.9 };
  const atRight = { x: 480, y: 240, visibility: 0.9 };
  assert.equal(poseHandHint(poseWithWrists(atLeft, atRight), [left], size), 'uncovered');
  assert.equal(poseHandHint(poseWithWrists(atLeft, atRight), [left, right], size), 'covered');
  assert.equal(poseHandHint(poseWithWrists(atLeft, { ...atRight, visibility: 0.2 }), [left], size), 'covered', 'a wrist the pose barely sees');
  assert.equal(poseHandHint(poseWithWrists(atLeft, { ...atRight, y: 520 }), [left], size), 'covered', 'a wrist below the image');
  assert.equal(poseHandHint(poseWithWrists(atLeft, { ...atRight, visibility: Number.NaN }), [left], size), 'covered', 'NaN visibility is not visible');
  // Hands held close (MSL-150 "ambulancia"): the right wrist 60 px from the tracked left hand is still uncovered.
  assert.equal(poseHandHint(poseWithWrists(atLeft, { x: 130, y: 185, visibility: 0.99 }), [left], size), 'uncovered');
  // The tracked hand of the right side, but far from the pose's right wrist: not that wrist's hand.
  assert.equal(poseHandHint(poseWithWrists(atLeft, atRight), [left, { ...right, wrist: { x: 400, y: 240 } }], size), 'uncovered');
  // Nothing tracked, no wrist in view (hands down): covered.
  assert.equal(poseHandHint(poseWithWrists({ ...atLeft, y: 600 }, { ...atRight, y: 600 }), [], size), 'covered');
});

void test('needsPalmDetection: no hand → always; all tracked → never; a pose hint steers the new-hand check', () => {
  const base = { maxHands: 2, everyFrames: 5, previousHint: undefined as PoseHandHint | undefined };
  const run = (tracked: number, framesSinceDetection: number, hint?: PoseHandHint, previousHint?: PoseHandHint) =>
    needsPalmDetection({ ...base, tracked, framesSinceDetection, hint, previousHint });
  assert.equal(run(0, 0), true, 'nothing tracked, no pose: detect every frame');
  assert.equal(run(0, 0, 'uncovered', 'uncovered'), true, 'nothing tracked, a wrist in view: every frame');
  // Nothing tracked and no wrist in view (hands down): at once when that starts, then every 5th frame.
  assert.equal(run(0, 0, 'covered', 'uncovered'), true);
  assert.deepEqual([0, 1, 2, 3, 4].map((f) => run(0, f, 'covered', 'covered')), [false, false, false, false, true]);
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
