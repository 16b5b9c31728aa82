/**
 * Cutting a recording into segments from the keyboard, as a pure state machine: the recorder
 * feeds each key with the time it stands for, and acts on the events that come back.
 *
 *   1–9        start a segment with that gloss of `--glosses` (ends the open one first)
 *   g          type a gloss, Enter starts a segment with it (Esc cancels the typing)
 *   space      end the open segment; with none open, start one with the last gloss used
 *   Enter      end the open segment
 *   x          discard the open segment
 *   q, Ctrl-C  end the open segment and finish (the recorder writes the version)
 */

/** One key as the terminal sends it: a printable character, or a named control key. */
export type Key = string;
export const KEY = { enter: 'enter', escape: 'escape', backspace: 'backspace', interrupt: 'interrupt' } as const;

export interface KeySegment {
  gloss: string;
  /** Times the start and end keys stood for (ns, the recorder's clock: packet capture time). */
  start: bigint;
  end: bigint;
  /** 1-based order of the segment in the session. */
  n: number;
}

export interface KeyState {
  readonly glosses: readonly string[];
  /** The open segment. */
  readonly open?: { gloss: string; start: bigint };
  /** Characters typed after `g`, until Enter or Esc. */
  readonly typing?: string;
  readonly lastGloss?: string;
  readonly segments: readonly KeySegment[];
  readonly finished: boolean;
}

export type KeyEvent =
  | { type: 'started'; gloss: string; at: bigint }
  | { type: 'ended'; segment: KeySegment }
  | { type: 'discarded'; gloss: string }
  | { type: 'typing'; text: string }
  | { type: 'finished'; segments: readonly KeySegment[] }
  | { type: 'hint'; text: string };

export function initialKeyState(glosses: readonly string[] = []): KeyState {
  return { glosses: [...glosses], segments: [], finished: false };
}

/** What the keys do, for the recorder to print before it starts. */
export function keyHelp(glosses: readonly string[]): string {
  const numbered = glosses.slice(0, 9).map((g, i) => `${i + 1}=${g}`).join(' ');
  return [numbered ? `keys: ${numbered} start a segment` : 'keys: g then a gloss and Enter starts a segment', 'g types a gloss, space/Enter ends (space with none open restarts the last gloss), x discards, q finishes'].join('; ');
}

function start(state: KeyState, gloss: string, at: bigint, events: KeyEvent[]): KeyState {
  const closed = end(state, at, events);
  events.push({ type: 'started', gloss, at });
  return { ...closed, open: { gloss, start: at }, lastGloss: gloss };
}

function end(state: KeyState, at: bigint, events: KeyEvent[]): KeyState {
  if (!state.open) return state;
  const segment: KeySegment = { gloss: state.open.gloss, start: state.open.start, end: at > state.open.start ? at : state.open.start, n: state.segments.length + 1 };
  events.push({ type: 'ended', segment });
  const { open: _closed, ...rest } = state;
  return { ...rest, segments: [...state.segments, segment] };
}

/** Applies one key pressed at time `at`; returns the next state and what happened. */
export function pressKey(state: KeyState, key: Key, at: bigint): { state: KeyState; events: KeyEvent[] } {
  const events: KeyEvent[] = [];
  if (state.finished) return { state, events };
  if (key === KEY.interrupt) return finish(state, at, events);
  if (state.typing !== undefined) {
    const { typing: text, ...rest } = state;
    if (key === KEY.escape) {
      events.push({ type: 'hint', text: 'gloss typing cancelled' });
      return { state: rest, events };
    }
    if (key === KEY.enter) {
      const gloss = text.trim();
      if (!gloss) {
        events.push({ type: 'hint', text: 'empty gloss: type one, or Esc' });
        return { state, events };
      }
      return { state: start(rest, gloss, at, events), events };
    }
    const next = key === KEY.backspace ? text.slice(0, -1) : key.length === 1 && key >= ' ' && key !== ',' ? text + key : text;
    events.push({ type: 'typing', text: next });
    return { state: { ...state, typing: next }, events };
  }
  if (/^[1-9]$/.test(key)) {
    const gloss = state.glosses[Number(key) - 1];
    if (gloss === undefined) {
      events.push({ type: 'hint', text: `no gloss ${key}: ${state.glosses.length ? `--glosses lists ${state.glosses.length}` : 'give --glosses a,b,c or press g to type one'}` });
      return { state, events };
    }
    return { state: start(state, gloss, at, events), events };
  }
  switch (key) {
    case 'g':
      events.push({ type: 'typing', text: '' });
      return { state: { ...state, typing: '' }, events };
    case ' ':
      if (state.open) return { state: end(state, at, events), events };
      if (state.lastGloss === undefined) {
        events.push({ type: 'hint', text: 'no gloss yet: press a digit or g' });
        return { state, events };
      }
      return { state: start(state, state.lastGloss, at, events), events };
    case KEY.enter:
      return { state: end(state, at, events), events };
    case 'x': {
      if (!state.open) return { state, events };
      events.push({ type: 'discarded', gloss: state.open.gloss });
      const { open: _discarded, ...rest } = state;
      return { state: rest, events };
    }
    case 'q':
      return finish(state, at, events);
    default:
      events.push({ type: 'hint', text: keyHelp(state.glosses) });
      return { state, events };
  }
}

function finish(state: KeyState, at: bigint, events: KeyEvent[]): { state: KeyState; events: KeyEvent[] } {
  const { typing: _typing, ...rest } = end(state, at, events);
  events.push({ type: 'finished', segments: rest.segments });
  return { state: { ...rest, finished: true }, events };
}

/** Splits raw terminal input into keys (a pasted run of characters is several keys). */
export function decodeKeys(chunk: string): Key[] {
  const keys: Key[] = [];
  for (let i = 0; i < chunk.length; i++) {
    const c = chunk[i] ?? '';
    if (c === '\x03' || c === '\x04') keys.push(KEY.interrupt);
    else if (c === '\r' || c === '\n') {
      if (c === '\n' && chunk[i - 1] === '\r') continue;
      keys.push(KEY.enter);
    } else if (c === '\x7f' || c === '\b') keys.push(KEY.backspace);
    else if (c === '\x1b') {
      // an arrow or function key is ESC [ …: swallow the sequence, a lone ESC is Escape
      const seq = /^\x1b(\[[0-9;]*[A-Za-z~]|O[A-Za-z])/.exec(chunk.slice(i));
      if (seq) i += seq[0].length - 1;
      else keys.push(KEY.escape);
    } else if (c >= ' ') keys.push(c);
  }
  return keys;
}
