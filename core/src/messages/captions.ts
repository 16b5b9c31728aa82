import { z } from 'zod';
import { subjectToken } from '../nats/subjects.js';

/**
 * Caption: what the transcriber publishes on `subjects.captions(rig)` (kept by the
 * `streams.captions` JetStream stream for replay) and what the live feed and
 * `signflow captions` read.
 *
 * - One sign = one `segment`. While it is under way the transcriber publishes `partial`
 *   captions (the best guess so far); when it ends, exactly one `final` caption. A reader shows
 *   the latest caption of a segment and replaces partials by the final.
 * - `startCaptureTimeNs` / `endCaptureTimeNs`: capture times (ns since the Unix epoch, decimal
 *   strings, as in the landmark packet) of the first and last frame the caption covers.
 * - `index` counts finals per rig (0, 1, 2, ...) so a reader can see a gap or a repeat.
 */

const nsString = z.string().regex(/^\d{1,20}$/, 'nanoseconds since the Unix epoch, as a decimal string');
const unit = z.number().min(0).max(1);

export const captionKindSchema = z.enum(['partial', 'final']);
export type CaptionKind = z.infer<typeof captionKindSchema>;

export const captionAlternativeSchema = z.object({
  label: z.string().min(1).max(128),
  confidence: unit,
});
export type CaptionAlternative = z.infer<typeof captionAlternativeSchema>;

export const captionModelSchema = z.object({
  /** Registry name of the model. */
  name: z.string().min(1).max(128),
  /** Registry version of the model that produced this caption. */
  version: z.string().min(1).max(64),
});
export type CaptionModel = z.infer<typeof captionModelSchema>;

export const captionSchema = z.object({
  v: z.literal(1).default(1),
  rig: subjectToken,
  kind: captionKindSchema,
  /** Stable id of the sign segment, the same on its partials and its final. */
  segment: z.string().min(1).max(128),
  /** Number of the final caption within this rig's transcript (finals only count). */
  index: z.number().int().nonnegative(),
  label: z.string().min(1).max(128),
  confidence: unit,
  /** The next best labels, best first. */
  alternatives: z.array(captionAlternativeSchema).max(10).default([]),
  startCaptureTimeNs: nsString,
  endCaptureTimeNs: nsString,
  /** Frames of the segment the caption covers. */
  frames: z.number().int().positive(),
  /** Camera(s) whose landmarks were used. */
  cameras: z.array(subjectToken).min(1).max(16),
  model: captionModelSchema,
  /** Wall-clock time (ms since the epoch) the transcriber published the caption. */
  emittedAtMs: z.number().nonnegative(),
});
export type Caption = z.infer<typeof captionSchema>;
export type CaptionInput = z.input<typeof captionSchema>;

/** Milliseconds from the capture of a caption's last frame to `nowMs`. */
export function captionLatencyMs(caption: Pick<Caption, 'endCaptureTimeNs'>, nowMs: number): number {
  return nowMs - Number(BigInt(caption.endCaptureTimeNs) / 1000n) / 1000;
}
