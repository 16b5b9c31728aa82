import { spawn } from 'node:child_process';
import { mkdirSync, openSync, readFileSync, closeSync } from 'node:fs';
import { join } from 'node:path';
import type { Command } from 'commander';
import { createLogger, describeError, type SignflowConfig } from '@signflow/core';
import { isAlive, readStackState, startStack, waitFor, type StackState } from '@signflow/stack';
import type { createContext } from '../context.js';
import { collectStackParts } from '../plugins.js';
import { renderTable } from '../output.js';

type Ctx = ReturnType<typeof createContext>;

export function endpointRows(state: StackState): string[][] {
  const rows: string[][] = [];
  for (const [name, part] of Object.entries(state.parts)) {
    rows.push([name, part.endpoint, part.pid === undefined ? 'external' : String(part.pid)]);
    for (const [key, value] of Object.entries(part.extra)) rows.push([`  ${key}`, value, '']);
  }
  return rows;
}

function printReady(ctx: Ctx, config: SignflowConfig, state: StackState): void {
  ctx.output({ dataDir: config.dataDir, supervisorPid: state.supervisorPid, parts: state.parts }, () =>
    [`signflow is up (data in ${config.dataDir}, supervisor pid ${state.supervisorPid})`, renderTable(['part', 'endpoint', 'pid'], endpointRows(state))].join('\n'),
  );
}

/** Runs the stack in this process until SIGINT/SIGTERM or until a part fails. */
async function runForeground(ctx: Ctx, config: SignflowConfig): Promise<number> {
  const logger = createLogger('signflow-up', { level: config.logLevel });
  const parts = await collectStackParts(config);
  const stack = await startStack(config, parts, logger);
  printReady(ctx, config, stack.state);
  const signalled = new Promise<string>((resolve) => {
    process.once('SIGINT', () => resolve('SIGINT'));
    process.once('SIGTERM', () => resolve('SIGTERM'));
  });
  const outcome = await Promise.race([signalled.then((s) => ({ signal: s })), stack.failed.then((err) => ({ err }))]);
  if ('err' in outcome) logger.error({ err: outcome.err }, 'a part of the stack stopped; stopping the rest');
  else logger.info({ signal: outcome.signal }, 'stopping');
  await stack.stop();
  return 'err' in outcome ? 1 : 0;
}

/** Starts a detached supervisor (`signflow up` in its own process group) and waits until it is ready. */
async function runDetached(ctx: Ctx, config: SignflowConfig, argv: string[], timeoutMs: number): Promise<number> {
  mkdirSync(config.dataDir, { recursive: true });
  const logFile = join(config.dataDir, 'signflow-up.log');
  const out = openSync(logFile, 'a');
  const args = argv.slice(1).filter((a) => a !== '--detach' && a !== '-d');
  const child = spawn(process.execPath, args, { detached: true, stdio: ['ignore', out, out], env: { ...process.env, SIGNFLOW_UP_DETACHED: '1' } });
  closeSync(out);
  const pid = child.pid;
  child.unref();
  if (pid === undefined) throw new Error(`could not start the supervisor; see ${logFile}`);
  let exited = false;
  child.once('exit', () => (exited = true));
  const state = await waitFor(
    'the stack to come up',
    async () => {
      const s = readStackState(config.dataDir);
      if (s?.supervisorPid !== pid) return undefined;
      if (s.phase === 'failed') throw new Error(s.error ?? 'failed');
      return s.phase === 'running' ? s : undefined;
    },
    { timeoutMs, intervalMs: 200, abortIf: () => (exited || !isAlive(pid) ? new Error('the supervisor exited during start-up') : undefined) },
  ).catch((err: unknown) => {
    const tail = readFileSync(logFile, 'utf8').trim().split('\n').slice(-15).join('\n');
    const s = readStackState(config.dataDir);
    const reason = s?.supervisorPid === pid && s.error ? s.error : describeError(err);
    throw new Error(`signflow up failed: ${reason}\n--- last lines of ${logFile} ---\n${tail}`);
  });
  printReady(ctx, config, state);
  return 0;
}

export function registerUp(program: Command, ctx: Ctx): void {
  program
    .command('up')
    .description('start the embedded stack (nats-server with JetStream, Temporal dev server, signflow services)')
    .option('-d, --detach', 'run in the background; `signflow down` stops it')
    .option('--timeout <seconds>', 'how long --detach waits for the stack to be ready', '120')
    .action(async (opts: { detach?: boolean; timeout: string }) => {
      const config = ctx.loadConfig();
      process.exitCode = opts.detach
        ? await runDetached(ctx, config, process.argv, Number(opts.timeout) * 1000)
        : await runForeground(ctx, config);
    });
}
