import { test } from 'node:test';
import assert from 'node:assert/strict';
import { decodeKeys, initialKeyState, KEY, pressKey, type Key, type KeyEvent, type KeyState } from '../src/record/key-segmenter.js';

/** Presses keys at times 10, 20, 30, … and collects every event. */
function run(keys: Key[], glosses: string[] = ['hello', 'thanks', 'please']): { state: KeyState; events: KeyEvent[] } {
  let state = initialKeyState(glosses);
  const events: KeyEvent[] = [];
  keys.forEach((key, i) => {
    const step = pressKey(state, key, BigInt((i + 1) * 10));
    state = step.state;
    events.push(...step.events);
  });
  return { state, events };
}

const cut = (state: KeyState) => state.segments.map((s) => [s.n, s.gloss, s.start, s.end]);

test('keys: a digit starts its gloss, space or Enter ends it, q finishes', () => {
  const { state, events } = run(['1', ' ', '2', KEY.enter, 'q']);
  assert.deepEqual(cut(state), [
    [1, 'hello', 10n, 20n],
    [2, 'thanks', 30n, 40n],
  ]);
  assert.equal(state.finished, true);
  assert.deepEqual(events.map((e) => e.type), ['started', 'ended', 'started', 'ended', 'finished']);
});

test('keys: a digit while a segment is open ends it and starts the next; q ends the open one', () => {
  const { state } = run(['1', '3', 'q']);
  assert.deepEqual(cut(state), [
    [1, 'hello', 10n, 20n],
    [2, 'please', 20n, 30n],
  ]);
});

test('keys: space with none open restarts the last gloss; with no gloss yet it only hints', () => {
  const first = run([' ']);
  assert.deepEqual(first.events.map((e) => e.type), ['hint']);
  assert.equal(first.state.open, undefined);
  const { state } = run(['2', ' ', ' ', ' ', 'q']);
  assert.deepEqual(cut(state), [
    [1, 'thanks', 10n, 20n],
    [2, 'thanks', 30n, 40n],
  ]);
});

test('keys: g types a gloss (backspace edits, Esc cancels), Enter starts it', () => {
  const { state, events } = run(['g', 'l', 'a', 't', 'x', KEY.backspace, 'e', KEY.enter, KEY.enter, 'g', 'n', 'o', KEY.escape, 'q'], []);
  assert.deepEqual(cut(state), [[1, 'late', 80n, 90n]]);
  assert.deepEqual(
    events.filter((e) => e.type === 'typing').map((e) => (e.type === 'typing' ? e.text : '')),
    ['', 'l', 'la', 'lat', 'latx', 'lat', 'late', '', 'n', 'no'],
  );
  assert.ok(events.some((e) => e.type === 'hint' && /cancelled/.test(e.text)));
  // while typing, q and digits are letters of the gloss, not commands
  const typed = run(['g', 'q', '1', KEY.enter, 'q']);
  assert.deepEqual(cut(typed.state), [[1, 'q1', 40n, 50n]]);
  // an empty typed gloss is refused
  assert.ok(run(['g', KEY.enter]).events.some((e) => e.type === 'hint' && /empty gloss/.test(e.text)));
});

test('keys: x discards the open segment; a digit without a gloss hints; keys after finishing do nothing', () => {
  const { state, events } = run(['1', 'x', '7', '2', 'q', '1', ' ']);
  assert.deepEqual(cut(state), [[1, 'thanks', 40n, 50n]]);
  assert.ok(events.some((e) => e.type === 'discarded' && e.gloss === 'hello'));
  assert.ok(events.some((e) => e.type === 'hint' && /no gloss 7: --glosses lists 3/.test(e.text)));
  assert.equal(events.at(-1)?.type, 'finished');
});

test('keys: Ctrl-C finishes like q, keeping the open segment; an end never precedes its start', () => {
  const { state } = run(['1', KEY.interrupt]);
  assert.deepEqual(cut(state), [[1, 'hello', 10n, 20n]]);
  let s = initialKeyState(['a']);
  s = pressKey(s, '1', 50n).state;
  s = pressKey(s, ' ', 40n).state;
  assert.deepEqual(cut(s), [[1, 'a', 50n, 50n]]);
});

test('decodeKeys: raw terminal bytes to keys (CR LF once, arrows swallowed, Ctrl-C/D interrupt)', () => {
  assert.deepEqual(decodeKeys('1 g\x7fhi\r\n\x1b[A\x1bq\x03\x04'), ['1', ' ', 'g', KEY.backspace, 'h', 'i', KEY.enter, KEY.escape, 'q', KEY.interrupt, KEY.interrupt]);
  assert.deepEqual(decodeKeys('a\nb\rc'), ['a', KEY.enter, 'b', KEY.enter, 'c']);
});
