import type { Command } from 'commander';
import { clearStackState, isAlive, readStackState, waitFor } from '@signflow/stack';
import type { createContext } from '../context.js';

type Ctx = ReturnType<typeof createContext>;

function killQuietly(pid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(pid, signal);
  } catch {
    // already gone
  }
}

/** Stops a running `signflow up`: SIGTERM to the supervisor, then SIGKILL to whatever is left. */
export async function stopStack(dataDir: string, graceMs = 30_000): Promise<{ wasRunning: boolean; forced: boolean }> {
  const state = readStackState(dataDir);
  if (!state) return { wasRunning: false, forced: false };
  const pids = [state.supervisorPid, ...Object.values(state.parts).flatMap((p) => (p.pid === undefined ? [] : [p.pid]))];
  if (!pids.some(isAlive)) {
    clearStackState(dataDir);
    return { wasRunning: false, forced: false };
  }
  killQuietly(state.supervisorPid, 'SIGTERM');
  let forced = false;
  try {
    await waitFor('the stack to stop', async () => (pids.some(isAlive) ? undefined : true), { timeoutMs: graceMs, intervalMs: 100 });
  } catch {
    forced = true;
    killQuietly(-state.supervisorPid, 'SIGKILL'); // its process group (detached mode)
    for (const pid of pids) killQuietly(pid, 'SIGKILL');
    await waitFor('killed processes to exit', async () => (pids.some(isAlive) ? undefined : true), { timeoutMs: 5000 });
  }
  clearStackState(dataDir);
  return { wasRunning: true, forced };
}

export function registerDown(program: Command, ctx: Ctx): void {
  program
    .command('down')
    .description('stop the stack started by `signflow up` and every process it started')
    .action(async () => {
      const config = ctx.loadConfig();
      const result = await stopStack(config.dataDir);
      ctx.output(result, () => (result.wasRunning ? `signflow stopped${result.forced ? ' (some processes had to be killed)' : ''}` : 'signflow was not running'));
    });
}
