import { z } from 'zod';

/**
 * Sign segmentation by hands raised/lowered, with hysteresis: a sign starts after `startFrames`
 * consecutive active frames, and ends after `endFrames` consecutive inactive ones (so a hand
 * lost for a frame or two by the detector does not split a sign), or when it reaches
 * `maxFrames`. Segments shorter than `minFrames` are dropped as noise. Pure and synchronous: the
 * transcriber feeds it one frame at a time.
 */
export const segmenterOptionsSchema = z
  .object({
    startFrames: z.number().int().min(1).max(30).default(2),
    endFrames: z.number().int().min(1).max(60).default(4),
    minFrames: z.number().int().min(1).max(300).default(8),
    maxFrames: z.number().int().min(2).max(900).default(120),
    /** A sign is also closed once it spans this long (low frame rates: the edge extracts few frames per second). */
    maxDurationMs: z.number().int().min(100).max(60_000).default(4000),
    /** A partial caption every this many frames of a sign under way. */
    partialEvery: z.number().int().min(1).max(300).default(6),
  })
  .strict();
export type SegmenterOptions = z.output<typeof segmenterOptionsSchema>;

export interface SegmentFrame<T> {
  /** The item the caller fed (e.g. the feature vector with its packet's metadata). */
  item: T;
  active: boolean;
}

export type SegmentEvent<T> =
  /** A sign is under way; `frames` are its frames so far (first active frame → latest active). */
  | { type: 'partial'; frames: readonly T[] }
  /** A sign ended; `frames` run from its first to its last active frame. */
  | { type: 'final'; frames: readonly T[] }
  /** A candidate was too short to be a sign. */
  | { type: 'dropped'; frames: readonly T[] };

export class Segmenter<T> {
  private readonly frames: T[] = [];
  /** Frames fed since the last active one (trailing inactive frames, not part of the sign). */
  private inactiveRun = 0;
  private activeRun = 0;
  private started = false;
  private sinceLastPartial = 0;
  private firstTimeMs = Number.NaN;

  constructor(private readonly options: SegmenterOptions) {}

  /** True while a sign (or a candidate start) is open: its frames must not be forgotten yet. */
  get open(): boolean {
    return this.frames.length > 0;
  }

  /**
   * Feeds one frame (with its capture time in ms, when known); returns what happened (nothing,
   * a partial, a final or a dropped candidate).
   */
  push(item: T, active: boolean, timeMs = Number.NaN): SegmentEvent<T> | undefined {
    const o = this.options;
    if (active) {
      this.inactiveRun = 0;
      this.activeRun++;
      if (this.frames.length === 0) this.firstTimeMs = timeMs;
      this.frames.push(item);
      if (!this.started && this.activeRun >= o.startFrames) this.started = true;
      if (this.started && (this.frames.length >= o.maxFrames || timeMs - this.firstTimeMs >= o.maxDurationMs)) return this.finish();
      if (this.started && this.frames.length >= o.minFrames) {
        this.sinceLastPartial++;
        if (this.sinceLastPartial >= o.partialEvery || this.frames.length === o.minFrames) {
          this.sinceLastPartial = 0;
          return { type: 'partial', frames: [...this.frames] };
        }
      }
      return undefined;
    }
    this.activeRun = 0;
    if (this.frames.length === 0) return undefined;
    if (!this.started) {
      // A blip shorter than startFrames: forget it.
      return this.reset({ type: 'dropped', frames: [...this.frames] });
    }
    this.inactiveRun++;
    if (this.inactiveRun >= o.endFrames) return this.finish();
    return undefined;
  }

  /** Ends the open sign now (end of stream, shutdown): a final if it is long enough. */
  flush(): SegmentEvent<T> | undefined {
    if (this.frames.length === 0) return undefined;
    if (!this.started) return this.reset({ type: 'dropped', frames: [...this.frames] });
    return this.finish();
  }

  private finish(): SegmentEvent<T> {
    const frames = [...this.frames];
    return this.reset(frames.length >= this.options.minFrames ? { type: 'final', frames } : { type: 'dropped', frames });
  }

  private reset(event: SegmentEvent<T>): SegmentEvent<T> {
    this.frames.length = 0;
    this.inactiveRun = 0;
    this.activeRun = 0;
    this.started = false;
    this.sinceLastPartial = 0;
    this.firstTimeMs = Number.NaN;
    return event;
  }
}
