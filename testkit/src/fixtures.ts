import { join } from 'node:path';
import { existsSync } from 'node:fs';
import { repoRoot } from '@signflow/stack';

export { waitFor } from '@signflow/stack';

/** Path of the shared, read-only fixtures (../shared/fixtures from the repo root). */
export const fixturesDir = process.env['SIGNFLOW_FIXTURES'] ?? join(repoRoot, '..', 'shared', 'fixtures');

/** Absolute path of a fixture file; throws a clear error when the fixtures are not beside the repo. */
export function fixture(...parts: string[]): string {
  const path = join(fixturesDir, ...parts);
  if (!existsSync(path)) {
    throw new Error(`fixture ${parts.join('/')} not found at ${path}: the shared fixtures belong at ../shared/fixtures beside the repo (or set SIGNFLOW_FIXTURES)`);
  }
  return path;
}
