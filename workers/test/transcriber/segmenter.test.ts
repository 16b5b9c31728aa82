import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Segmenter, segmenterOptionsSchema, type SegmentEvent } from '../../src/transcriber/segmenter.js';

function feed(pattern: string, overrides: Record<string, number> = {}): SegmentEvent<number>[] {
  const seg = new Segmenter<number>(segmenterOptionsSchema.parse({ startFrames: 2, endFrames: 3, minFrames: 4, partialEvery: 2, ...overrides }));
  const events: SegmentEvent<number>[] = [];
  [...pattern].forEach((c, i) => {
    const e = seg.push(i, c === '1');
    if (e) events.push(e);
  });
  const tail = seg.flush();
  if (tail) events.push(tail);
  return events;
}

test('a sign runs from its first to its last active frame and ends after endFrames inactive ones', () => {
  const events = feed('000111111000000');
  const final = events.find((e) => e.type === 'final');
  assert.deepEqual(final?.frames, [3, 4, 5, 6, 7, 8]);
  // The final comes exactly when the third inactive frame arrives: nothing after it.
  assert.equal(events.at(-1)?.type, 'final');
});

test('a hand lost for fewer than endFrames frames does not split the sign', () => {
  const events = feed('0111100111000');
  const finals = events.filter((e) => e.type === 'final');
  assert.equal(finals.length, 1);
  assert.deepEqual(finals[0]?.frames, [1, 2, 3, 4, 7, 8, 9]);
});

test('partials come every partialEvery frames once minFrames are in, each with the frames so far', () => {
  const events = feed('1111111100000');
  const partials = events.filter((e) => e.type === 'partial').map((e) => e.frames.length);
  assert.deepEqual(partials, [4, 6, 8]);
});

test('blips shorter than startFrames or minFrames are dropped, not captioned', () => {
  const events = feed('0100110000');
  assert.deepEqual(
    events.map((e) => e.type),
    ['dropped', 'dropped'],
  );
});

test('a sign reaching maxFrames is closed as a final and a new one starts', () => {
  const events = feed('111111111100000', { maxFrames: 6, partialEvery: 100 });
  const finals = events.filter((e) => e.type === 'final').map((e) => e.frames);
  assert.deepEqual(finals, [
    [0, 1, 2, 3, 4, 5],
    [6, 7, 8, 9],
  ]);
});

test('bad segmenter options are rejected with the field named', () => {
  const result = segmenterOptionsSchema.safeParse({ endFrames: 0 });
  assert.equal(result.success, false);
  assert.equal(result.error?.issues[0]?.path[0], 'endFrames');
});

test('at a low frame rate a sign is closed once it spans maxDurationMs', () => {
  const seg = new Segmenter<number>(segmenterOptionsSchema.parse({ startFrames: 2, minFrames: 3, partialEvery: 100, maxDurationMs: 2000 }));
  const events = [0, 1, 2, 3, 4, 5, 6].map((i) => seg.push(i, true, i * 500)).filter((e) => e !== undefined);
  // Frames at 0, 500, ..., 2000 ms: the fifth spans 2 s and closes the sign; the next starts a new one.
  assert.deepEqual(
    events.filter((e) => e.type === 'final').map((e) => e.frames),
    [[0, 1, 2, 3, 4]],
  );
  assert.equal(seg.open, true);
});
