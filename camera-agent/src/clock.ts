/**
 * Capture timestamps on the agent host: a monotonic clock (for intervals and skew) and a wall
 * clock in nanoseconds derived from it, anchored once, so both advance together.
 */
const monoAnchor = process.hrtime.bigint();
const wallAnchorNs = BigInt(Date.now()) * 1_000_000n;

export interface CaptureTime {
  wallNs: bigint;
  monoNs: bigint;
}

export function captureNow(): CaptureTime {
  const monoNs = process.hrtime.bigint();
  return { monoNs, wallNs: wallAnchorNs + (monoNs - monoAnchor) };
}

export function nsToMs(ns: bigint): number {
  return Number(ns / 1000n) / 1000;
}
