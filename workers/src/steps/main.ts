import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { z } from 'zod';
import { artifactRefSchema, describeError, openArtifactStore, type ArtifactRef } from '@signflow/core';
import { STEP_MODULES } from './catalog.js';
import { findStep, registeredSteps, type StepContext } from './registry.js';
import { OUTPUTS_KEY_ENV, writeStepOutputs } from './outputs-document.js';
import { closeStepDatasetStore } from './datasets.js';

const inputsSchema = z.object({
  parameters: z.record(z.string(), z.unknown()).default({}),
  artifacts: z.record(z.string(), artifactRefSchema).default({}),
  run: z.object({ runId: z.string(), stepPath: z.string(), attempt: z.number() }).optional(),
});

function env(name: string): string {
  const value = process.env[name];
  if (!value) throw new Error(`${name} is not set: signflow-step runs inside a pipeline step (the executor sets it)`);
  return value;
}

/**
 * `signflow-step <name>`: reads $SIGNFLOW_STEP_INPUTS, runs the registered implementation, stores
 * the artifacts it made in $SIGNFLOW_ARTIFACT_STORE and writes $SIGNFLOW_STEP_OUTPUTS.
 * Exit codes: 0 done, 1 the step failed, 2 usage (unknown step, bad inputs document).
 */
export async function main(argv: string[]): Promise<number> {
  const name = argv[0];
  for (const mod of STEP_MODULES) await import(mod);
  const impl = name ? findStep(name) : undefined;
  if (!name || !impl) {
    process.stderr.write(`signflow-step: unknown step ${JSON.stringify(name ?? '')}; registered: ${registeredSteps().join(', ') || 'none'}\n`);
    return 2;
  }
  let ctx: StepContext;
  try {
    const doc = inputsSchema.parse(JSON.parse(readFileSync(env('SIGNFLOW_STEP_INPUTS'), 'utf8')));
    ctx = {
      parameters: doc.parameters,
      artifacts: doc.artifacts,
      // a nats:// store connects as configured (SIGNFLOW_NATS_URL/_CREDENTIALS) and fetches into the work dir
      store: openArtifactStore(env('SIGNFLOW_ARTIFACT_STORE'), { cacheDir: join(env('SIGNFLOW_STEP_WORKDIR'), '.artifacts') }),
      workDir: env('SIGNFLOW_STEP_WORKDIR'),
      run: doc.run ?? { runId: process.env['SIGNFLOW_RUN_ID'] ?? '', stepPath: process.env['SIGNFLOW_STEP_ID'] ?? '', attempt: Number(process.env['SIGNFLOW_STEP_ATTEMPT'] ?? 1) },
      log: (message) => process.stdout.write(`${message}\n`),
    };
  } catch (err) {
    process.stderr.write(`signflow-step ${name}: bad inputs: ${describeError(err)}\n`);
    return 2;
  }
  try {
    const outputs = await impl(ctx);
    const artifacts: Record<string, ArtifactRef> = {};
    for (const [key, value] of Object.entries(outputs.artifacts ?? {})) {
      artifacts[key] = 'path' in value ? await ctx.store.put(value.path, value.kind, value.metadata ?? {}) : value;
    }
    // Large documents go to the store with a checked reference (a termination message holds 4 KiB).
    await writeStepOutputs({ parameters: outputs.parameters ?? {}, artifacts }, { outputsPath: env('SIGNFLOW_STEP_OUTPUTS'), store: ctx.store, key: process.env[OUTPUTS_KEY_ENV] });
    return 0;
  } catch (err) {
    process.stderr.write(`signflow-step ${name} failed: ${describeError(err)}\n`);
    return 1;
  } finally {
    // open connections (a NATS store) would keep the process alive
    await closeStepDatasetStore();
    await ctx.store.close?.();
  }
}
