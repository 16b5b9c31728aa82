import { LEFT_SHOULDER, RIGHT_SHOULDER, componentOffsets, findPoint, type LandmarkLayout } from '../format/layout.js';

export type NormalizeMode = 'body' | 'hand';

/**
 * Body frame: every visible point minus the midpoint of the shoulders, divided by the
 * shoulder width (distance in x, y), per frame. A frame whose shoulders are not both visible
 * uses the nearest frame's that are (so a sample needs one frame with both shoulders).
 * Returns false, leaving `data` untouched, when the layout has no shoulders or no frame shows both.
 */
export function normalizeBody(data: Float32Array, layout: LandmarkLayout): boolean {
  const l = findPoint(layout, LEFT_SHOULDER);
  const r = findPoint(layout, RIGHT_SHOULDER);
  if (l === undefined || r === undefined) return false;
  const points = layout.components.reduce((n, c) => n + c.points, 0);
  const frames = data.length / (points * 4);
  const refs: ({ ox: number; oy: number; oz: number; s: number } | undefined)[] = [];
  for (let f = 0; f < frames; f++) {
    const a = (f * points + l) * 4;
    const b = (f * points + r) * 4;
    const both = (data[a + 3] ?? 0) > 0 && (data[b + 3] ?? 0) > 0;
    const s = Math.hypot((data[a] ?? 0) - (data[b] ?? 0), (data[a + 1] ?? 0) - (data[b + 1] ?? 0));
    refs.push(
      both && s > 1e-9
        ? { ox: ((data[a] ?? 0) + (data[b] ?? 0)) / 2, oy: ((data[a + 1] ?? 0) + (data[b + 1] ?? 0)) / 2, oz: ((data[a + 2] ?? 0) + (data[b + 2] ?? 0)) / 2, s }
        : undefined,
    );
  }
  if (refs.every((x) => x === undefined)) return false;
  for (let f = 0; f < frames; f++) {
    const ref = nearest(refs, f);
    if (!ref) continue;
    for (let p = 0; p < points; p++) {
      const o = (f * points + p) * 4;
      if (!((data[o + 3] ?? 0) > 0)) continue;
      data[o] = ((data[o] ?? 0) - ref.ox) / ref.s;
      data[o + 1] = ((data[o + 1] ?? 0) - ref.oy) / ref.s;
      data[o + 2] = ((data[o + 2] ?? 0) - ref.oz) / ref.s;
    }
  }
  return true;
}

function nearest<T>(items: (T | undefined)[], at: number): T | undefined {
  for (let d = 0; d < items.length; d++) {
    const before = items[at - d];
    if (before !== undefined) return before;
    const after = items[at + d];
    if (after !== undefined) return after;
  }
  return undefined;
}

/**
 * Hand-relative: each hand component (`left_hand`, `right_hand`, `hand`) minus its wrist
 * (point 0), divided by the wrist → middle-finger MCP (point 9) distance, per frame; frames
 * where the wrist or that MCP is missing leave the hand untouched. Other components are put in
 * the body frame when the layout has shoulders, else left as they are.
 */
export function normalizeHands(data: Float32Array, layout: LandmarkLayout): void {
  const points = layout.components.reduce((n, c) => n + c.points, 0);
  const frames = data.length / (points * 4);
  const hands = [...componentOffsets(layout)].filter(([name]) => ['left_hand', 'right_hand', 'hand'].includes(name)).map(([, o]) => o);
  const handPoints = new Set(hands.flatMap((h) => Array.from({ length: h.component.points }, (_, i) => h.start + i)));
  if (findPoint(layout, LEFT_SHOULDER) !== undefined) {
    const saved = new Map<number, Float32Array>();
    for (const p of handPoints) saved.set(p, Float32Array.from({ length: frames * 4 }, (_, i) => data[(Math.floor(i / 4) * points + p) * 4 + (i % 4)] ?? 0));
    normalizeBody(data, layout);
    for (const [p, values] of saved) for (let f = 0; f < frames; f++) data.set(values.subarray(f * 4, f * 4 + 4), (f * points + p) * 4);
  }
  for (const h of hands) {
    for (let f = 0; f < frames; f++) {
      const w = (f * points + h.start) * 4;
      const m = (f * points + h.start + 9) * 4;
      if (!((data[w + 3] ?? 0) > 0 && (data[m + 3] ?? 0) > 0)) continue;
      const s = Math.hypot((data[m] ?? 0) - (data[w] ?? 0), (data[m + 1] ?? 0) - (data[w + 1] ?? 0), (data[m + 2] ?? 0) - (data[w + 2] ?? 0));
      if (s < 1e-9) continue;
      const [wx, wy, wz] = [data[w] ?? 0, data[w + 1] ?? 0, data[w + 2] ?? 0];
      for (let p = 0; p < h.component.points; p++) {
        const o = (f * points + h.start + p) * 4;
        if (!((data[o + 3] ?? 0) > 0)) continue;
        data[o] = ((data[o] ?? 0) - wx) / s;
        data[o + 1] = ((data[o + 1] ?? 0) - wy) / s;
        data[o + 2] = ((data[o + 2] ?? 0) - wz) / s;
      }
    }
  }
}
