import { createHash } from 'node:crypto';
import { writeFile } from 'node:fs/promises';
import { z } from 'zod';
import type { ArtifactStore } from '@signflow/core';

/**
 * How a step's outputs document gets back to the executor. Small documents are written whole to
 * `$SIGNFLOW_STEP_OUTPUTS` (a file locally, the termination message on Kubernetes, where the
 * kubelet keeps at most 4096 bytes). When the executor sets `$SIGNFLOW_STEP_OUTPUTS_KEY`, a larger
 * document goes to the artifact store under that key and `$SIGNFLOW_STEP_OUTPUTS` gets only a
 * reference with the document's sha256, which the executor checks before trusting what it reads.
 */
export const OUTPUTS_KEY_ENV = 'SIGNFLOW_STEP_OUTPUTS_KEY';
/** What fits in a Kubernetes termination message. */
export const INLINE_OUTPUTS_MAX_BYTES = 4096;

export const outputsReferenceSchema = z
  .object({
    signflowOutputsRef: z
      .object({
        key: z.string().min(1),
        sha256: z.string().regex(/^[0-9a-f]{64}$/),
        bytes: z.number().int().nonnegative(),
      })
      .strict(),
  })
  .strict();
export type OutputsReference = z.output<typeof outputsReferenceSchema>['signflowOutputsRef'];

function sha256(text: string): string {
  return createHash('sha256').update(text).digest('hex');
}

/**
 * Writes the step's outputs document: inline when it fits (or no key was given), else into the
 * store at `key` with a reference inline. Returns what was written to `outputsPath`.
 */
export async function writeStepOutputs(doc: unknown, target: { outputsPath: string; store: ArtifactStore; key?: string | undefined }): Promise<'inline' | 'reference'> {
  const text = JSON.stringify(doc);
  const bytes = Buffer.byteLength(text);
  if (!target.key || bytes <= INLINE_OUTPUTS_MAX_BYTES) {
    await writeFile(target.outputsPath, text);
    return 'inline';
  }
  await target.store.writeJson(target.key, doc);
  const ref: z.input<typeof outputsReferenceSchema> = { signflowOutputsRef: { key: target.key, sha256: sha256(text), bytes } };
  await writeFile(target.outputsPath, JSON.stringify(ref));
  return 'reference';
}

/** The reference in a termination message, or undefined when the message is the document itself. */
export function outputsReferenceIn(message: string): OutputsReference | undefined {
  if (!message.includes('"signflowOutputsRef"')) return undefined;
  let value: unknown;
  try {
    value = JSON.parse(message);
  } catch {
    return undefined;
  }
  const parsed = outputsReferenceSchema.safeParse(value);
  return parsed.success ? parsed.data.signflowOutputsRef : undefined;
}

/** Why a referenced outputs document cannot be used. */
export type OutputsResolution = { ok: true; outputsJson: string } | { ok: false; reason: string };

/**
 * Reads the document a reference points at and checks it is the one the step wrote (same
 * sha256 over its JSON text); the store's JSON round-trip keeps the text byte for byte.
 */
export async function readReferencedOutputs(ref: OutputsReference, store: ArtifactStore | undefined): Promise<OutputsResolution> {
  if (!store) return { ok: false, reason: `outputs document ${ref.key} is in the artifact store, but the step had no SIGNFLOW_ARTIFACT_STORE` };
  const doc = await store.readJson(ref.key);
  if (doc === undefined) return { ok: false, reason: `outputs document ${ref.key} is missing from the artifact store ${store.rootUri}` };
  const text = JSON.stringify(doc);
  const actual = sha256(text);
  if (actual !== ref.sha256) {
    return { ok: false, reason: `outputs document ${ref.key} in the artifact store has sha256 ${actual}, but the step wrote ${ref.sha256} (overwritten or corrupted)` };
  }
  return { ok: true, outputsJson: text };
}
