import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * The shared fixtures folder: SIGNFLOW_FIXTURES, else `../shared/fixtures` beside the repository
 * (where the sessions and CI lay it out).
 */
export const fixturesDir = process.env['SIGNFLOW_FIXTURES'] ?? join(fileURLToPath(new URL('../../..', import.meta.url)), 'shared', 'fixtures');

export function fixture(...parts: string[]): string {
  const path = join(fixturesDir, ...parts);
  if (!existsSync(path)) throw new Error(`fixture ${path} is missing (set SIGNFLOW_FIXTURES to the shared fixtures folder)`);
  return path;
}
