import { spawn } from 'node:child_process';
import { mkdirSync, openSync, readFileSync, closeSync } from 'node:fs';
import { join } from 'node:path';
import type { Command } from 'commander';
import { bootstrapAdminToken, createLogger, describeError, type BootstrapResult, type SignflowConfig } from '@signflow/core';
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

/** How to sign in, printed once when `up` created the first admin token (the only time it is shown). */
function signInHelp(config: SignflowConfig, boot: BootstrapResult | undefined): string[] {
  const consoleUrl = `http://${config.api.host}:${config.api.port}/console/`;
  if (config.auth.mode === 'off') return ['', 'WARNING: auth.mode is off: the API, the live feed and NATS accept anyone. Use this only for throwaway local development.'];
  if (!boot?.created) return [`console: ${consoleUrl} (sign in with an API token; the admin token is in ${boot?.file ?? 'the data dir'}, mode 0600)`];
  return [
    '',
    'First start: an admin API token was created. It is shown this once; it is also saved (mode 0600) in',
    `  ${boot.file}`,
    'which the local signflow CLI reads by itself. The API refuses requests without a token.',
    `  admin token: ${boot.token}`,
    `Sign in to the console at ${consoleUrl} by pasting it into "API token";`,
    'give other people their own: signflow token create --name <who> --role viewer|operator|admin',
    '',
  ];
}

function printReady(ctx: Ctx, config: SignflowConfig, state: StackState, boot?: BootstrapResult): void {
  const firstToken = boot?.created ? { adminToken: boot.token, adminTokenFile: boot.file } : {};
  ctx.output({ dataDir: config.dataDir, supervisorPid: state.supervisorPid, parts: state.parts, ...firstToken }, () =>
    [`signflow is up (data in ${config.dataDir}, supervisor pid ${state.supervisorPid})`, renderTable(['part', 'endpoint', 'pid'], endpointRows(state)), ...signInHelp(config, boot)].join('\n'),
  );
}

/** API auth on by default: the first admin token, unless the config explicitly turns auth off. */
async function bootstrapAuth(config: SignflowConfig): Promise<BootstrapResult | undefined> {
  if (config.auth.mode === 'off') return undefined;
  return bootstrapAdminToken(config.dataDir);
}

/** Runs the stack in this process until SIGINT/SIGTERM or until a part fails. */
async function runForeground(ctx: Ctx, config: SignflowConfig, boot: BootstrapResult | undefined): Promise<number> {
  const logger = createLogger('signflow-up', { level: config.logLevel });
  const parts = await collectStackParts(config);
  const stack = await startStack(config, parts, logger);
  printReady(ctx, config, stack.state, boot);
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
async function runDetached(ctx: Ctx, config: SignflowConfig, argv: string[], timeoutMs: number, boot: BootstrapResult | undefined): Promise<number> {
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
  printReady(ctx, config, state, boot);
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
      // the detached supervisor finds the token made here; only this process prints it
      const boot = process.env['SIGNFLOW_UP_DETACHED'] ? undefined : await bootstrapAuth(config);
      process.exitCode = opts.detach
        ? await runDetached(ctx, config, process.argv, Number(opts.timeout) * 1000, boot)
        : await runForeground(ctx, config, boot);
    });
}
