import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { appendFile, mkdir, readFile, writeFile } from 'node:fs/promises';
import { delimiter, join } from 'node:path';
import { StringDecoder } from 'node:string_decoder';
import type { Executor, StepLaunch, StepOutcome, StepRunContext } from '@signflow/pipelines';
import { groupAlive, killGroup, killLeftoverGroups } from './process-group.js';

export interface LocalExecutorOptions {
  /** Per-step work dirs (inputs.json, outputs.json, scratch) live under `<workRoot>/<runId>/`. */
  workRoot: string;
  /** Folders searched first for the command (e.g. workers/bin for `signflow-step`). */
  pathPrepend?: string[];
  /** SIGTERM → SIGKILL grace on cancel and timeout. */
  killGraceMs?: number;
}

// util-linux's setpriv makes the kernel SIGKILL the step if the worker dies without cleaning up.
const SETPRIV = ['/usr/bin/setpriv', '/bin/setpriv'].find((p) => existsSync(p));

/**
 * Runs a step as a local process in its own process group: logs stream to the sink while it
 * runs; cancel and timeout kill the whole group; a retry first kills what an earlier attempt of
 * the same step left behind (its worker may have been SIGKILLed).
 */
export class LocalExecutor implements Executor {
  readonly kind = 'local' as const;

  constructor(private readonly options: LocalExecutorOptions) {}

  async run(launch: StepLaunch, ctx: StepRunContext): Promise<StepOutcome> {
    const runDir = join(this.options.workRoot, launch.runId);
    const workDir = join(runDir, `${launch.stepId}-a${launch.attempt}`);
    const pidFile = join(runDir, `${launch.stepId}.pgids`);
    await mkdir(workDir, { recursive: true });
    await killLeftoverGroups(pidFile);
    const inputsFile = join(workDir, 'inputs.json');
    const outputsFile = join(workDir, 'outputs.json');
    await writeFile(inputsFile, launch.inputsJson ?? '{"parameters":{},"artifacts":{}}');
    await writeFile(outputsFile, '');

    const path = [...(this.options.pathPrepend ?? []), process.env['PATH'] ?? ''].filter(Boolean).join(delimiter);
    const env = { ...process.env, ...launch.env, PATH: path, SIGNFLOW_STEP_INPUTS: inputsFile, SIGNFLOW_STEP_OUTPUTS: outputsFile, SIGNFLOW_STEP_WORKDIR: workDir };
    const [command, ...args] = launch.command;
    if (!command) return { status: 'failed', exitCode: null, retryable: false, reason: 'empty command' };
    const argv = SETPRIV ? [SETPRIV, '--pdeathsig', 'KILL', '--', command, ...args] : [command, ...args];
    const [file, ...rest] = argv as [string, ...string[]];

    if (ctx.signal.aborted) return { status: 'failed', exitCode: null, retryable: false, reason: 'cancelled before start' };
    const child = spawn(file, rest, { cwd: workDir, env, detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
    // Listen before any await: a fast step can exit (and close) while we record its group.
    const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null; spawnError?: Error }>((resolve) => {
      child.once('error', (e) => resolve({ code: null, signal: null, spawnError: e }));
      child.once('close', (code, signal) => resolve({ code, signal }));
    });
    const out = new StringDecoder('utf8');
    const err = new StringDecoder('utf8');
    child.stdout.on('data', (b: Buffer) => void ctx.logs.write(out.write(b)));
    child.stderr.on('data', (b: Buffer) => void ctx.logs.write(err.write(b)));
    const pgid = child.pid;
    if (pgid !== undefined) await appendFile(pidFile, `${pgid}\n`);

    let stopReason: string | undefined;
    const stop = (reason: string): void => {
      if (stopReason !== undefined || pgid === undefined) return;
      stopReason = reason;
      void killGroup(pgid, this.options.killGraceMs ?? 5000);
    };
    const onAbort = (): void => stop('cancelled');
    ctx.signal.addEventListener('abort', onAbort);
    const timer = launch.timeoutMs ? setTimeout(() => stop(`timed out after ${launch.timeoutMs} ms`), launch.timeoutMs) : undefined;

    const exit = await exited;
    ctx.signal.removeEventListener('abort', onAbort);
    if (timer) clearTimeout(timer);
    // Whatever the step left running in its group goes with it.
    if (pgid !== undefined && groupAlive(pgid)) await killGroup(pgid, 0);
    await ctx.logs.write(out.end() + err.end());

    if (exit.spawnError) return { status: 'failed', exitCode: null, retryable: false, reason: `cannot start ${command}: ${exit.spawnError.message}` };
    if (stopReason !== undefined) return { status: 'failed', exitCode: exit.code, retryable: false, reason: stopReason };
    if (exit.code !== 0) {
      const how = exit.signal ? `killed by ${exit.signal}` : `exited with code ${String(exit.code)}`;
      // setpriv reports a missing command as 127 (POSIX "command not found").
      const hint = exit.code === 127 ? ` (command ${command} not found on PATH?)` : '';
      return { status: 'failed', exitCode: exit.code, retryable: false, reason: `${how}${hint}` };
    }
    const outputsJson = await readFile(outputsFile, 'utf8');
    return { status: 'succeeded', exitCode: 0, ...(outputsJson.trim() ? { outputsJson } : {}) };
  }
}
