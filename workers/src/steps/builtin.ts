import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { registerStep } from './registry.js';

/**
 * Steps every installation has. `builtin.describe`: reads an artifact from the store and writes
 * a metrics artifact with its kind, size and hash (used to check the step contract end to end).
 */
registerStep('builtin.describe', async (ctx) => {
  const ref = ctx.artifacts['artifact'];
  if (!ref) throw new Error('input "artifact" is missing');
  const path = await ctx.store.localPath(ref);
  ctx.log(`describing ${ref.kind} ${ref.sha256} at ${path}`);
  const report = { kind: ref.kind, sha256: ref.sha256, sizeBytes: ref.sizeBytes, label: ctx.parameters['label'] ?? null };
  const file = join(ctx.workDir, 'describe.json');
  await writeFile(file, JSON.stringify(report, null, 2));
  return { parameters: { sizeBytes: ref.sizeBytes }, artifacts: { report: { path: file, kind: 'metrics', metadata: { sizeBytes: ref.sizeBytes } } } };
});
