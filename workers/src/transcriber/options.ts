import { z } from 'zod';
import { subjectToken } from '@signflow/core';
import { segmenterOptionsSchema } from './segmenter.js';

export const transcriberOptionsSchema = z
  .object({
    rig: subjectToken,
    /**
     * Camera whose landmarks feed recognition. Without it, the first camera heard from is used
     * (until multi-view fusion is wired in, one camera's view is recognised).
     */
    camera: subjectToken.optional(),
    /** Durable consumer name (default `transcriber-<rig>`): a restart resumes from its position. */
    durable: subjectToken.optional(),
    /** Where a new durable consumer starts: only new landmarks, or everything the stream holds. */
    deliver: z.enum(['new', 'all']).default('new'),
    segmenter: segmenterOptionsSchema.default(segmenterOptionsSchema.parse({})),
  })
  .strict();
export type TranscriberOptions = z.output<typeof transcriberOptionsSchema>;
export type TranscriberOptionsInput = z.input<typeof transcriberOptionsSchema>;
