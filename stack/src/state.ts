import { existsSync, readFileSync, renameSync, rmSync, writeFileSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { z } from 'zod';

/** What a running `signflow up` writes into its data dir so `status` and `down` can find it. */
export const stackStateSchema = z.object({
  supervisorPid: z.number().int(),
  startedAt: z.string(),
  phase: z.enum(['starting', 'running', 'stopping', 'failed']),
  error: z.string().optional(),
  parts: z.record(
    z.string(),
    z.object({
      pid: z.number().int().optional(),
      endpoint: z.string(),
      extra: z.record(z.string(), z.string()).default({}),
    }),
  ),
});
export type StackState = z.infer<typeof stackStateSchema>;

export function stateFile(dataDir: string): string {
  return join(dataDir, 'stack.json');
}

export function readStackState(dataDir: string): StackState | undefined {
  const file = stateFile(dataDir);
  if (!existsSync(file)) return undefined;
  try {
    return stackStateSchema.parse(JSON.parse(readFileSync(file, 'utf8')));
  } catch {
    return undefined;
  }
}

export function writeStackState(dataDir: string, state: StackState): void {
  mkdirSync(dataDir, { recursive: true });
  const file = stateFile(dataDir);
  const tmp = `${file}.${process.pid}.tmp`;
  writeFileSync(tmp, JSON.stringify(state, null, 2));
  renameSync(tmp, file);
}

export function clearStackState(dataDir: string): void {
  rmSync(stateFile(dataDir), { force: true });
}

/** True when a process with this pid exists (signal 0 probes without sending anything). */
export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}
