import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export interface TempDir {
  readonly path: string;
  [Symbol.asyncDispose](): Promise<void>;
}

/** A fresh folder under the OS temp dir, removed on dispose (set SIGNFLOW_KEEP_TEMP=1 to keep it). */
export async function tempDir(prefix = 'signflow-test-'): Promise<TempDir> {
  const path = await mkdtemp(join(tmpdir(), prefix));
  return {
    path,
    [Symbol.asyncDispose]: async () => {
      if (!process.env['SIGNFLOW_KEEP_TEMP']) await rm(path, { recursive: true, force: true });
    },
  };
}
