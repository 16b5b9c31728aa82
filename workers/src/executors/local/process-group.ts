import { readFile, writeFile } from 'node:fs/promises';

/** True while any process of the group exists (signal 0 probes without sending anything). */
export function groupAlive(pgid: number): boolean {
  try {
    process.kill(-pgid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

function signalGroup(pgid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(-pgid, signal);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ESRCH') throw err;
  }
}

/** SIGTERM the group, SIGKILL it after `graceMs`, and wait (bounded) until no member is left. */
export async function killGroup(pgid: number, graceMs: number): Promise<void> {
  if (graceMs > 0) {
    signalGroup(pgid, 'SIGTERM');
    const deadline = Date.now() + graceMs;
    while (groupAlive(pgid) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
  }
  signalGroup(pgid, 'SIGKILL');
  const deadline = Date.now() + 5000;
  while (groupAlive(pgid) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 10));
}

/** Kills the groups earlier attempts of a step recorded (their worker may have died) and clears the list. */
export async function killLeftoverGroups(pidFile: string): Promise<void> {
  let text: string;
  try {
    text = await readFile(pidFile, 'utf8');
  } catch {
    return;
  }
  for (const line of text.split('\n')) {
    const pgid = Number(line.trim());
    if (Number.isInteger(pgid) && pgid > 1 && groupAlive(pgid)) await killGroup(pgid, 0);
  }
  await writeFile(pidFile, '');
}
