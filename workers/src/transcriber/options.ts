import { z } from 'zod';
import { subjectToken } from '@signflow/core';
import { segmenterOptionsSchema } from './segmenter.js';

export const transcriberOptionsSchema = z
  .object({
    rig: subjectToken,
    /**
     * With fewer than two calibrated cameras, the camera whose landmarks are recognised (default
     * the first heard from); with a fused rig, the camera whose image fused frames are
     * re-projected into for models trained on image coordinates (default the first calibrated).
     */
    camera: subjectToken.optional(),
    /** Packets of a rig's cameras within this many ms of each other are one instant (fused). */
    fusionToleranceMs: z.number().min(1).max(500).default(20),
    /** Durable consumer name (default `transcriber-<rig>`): a restart resumes from its position. */
    durable: subjectToken.optional(),
    /** Where a new durable consumer starts: only new landmarks, or everything the stream holds. */
    deliver: z.enum(['new', 'all']).default('new'),
    segmenter: segmenterOptionsSchema.default(segmenterOptionsSchema.parse({})),
  })
  .strict();
export type TranscriberOptions = z.output<typeof transcriberOptionsSchema>;
export type TranscriberOptionsInput = z.input<typeof transcriberOptionsSchema>;
