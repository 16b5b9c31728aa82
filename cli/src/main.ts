import { Command, CommanderError } from 'commander';
import { describeError, setupTracing, SignflowError, type Tracing } from '@signflow/core';
import { createContext } from './context.js';
import { registerPackageCommands } from './plugins.js';
import { registerUp } from './commands/up.js';
import { registerDown } from './commands/down.js';
import { registerStatus } from './commands/status.js';
import { registerDoctor } from './commands/doctor.js';
import { registerNats } from './commands/nats.js';

export function buildProgram(): { program: Command; ctx: ReturnType<typeof createContext> } {
  const program = new Command('signflow')
    .description('signflow: sign-language ML platform (camera rigs, datasets, pipelines on Temporal, live transcription)')
    .option('-c, --config <file>', 'config file (default: $SIGNFLOW_CONFIG, else ./signflow.yaml if present)')
    .option('--data-dir <dir>', 'where the stack keeps its data (default ~/.signflow; env SIGNFLOW_DATA_DIR)')
    .option('--json', 'print machine-readable JSON instead of tables')
    .showHelpAfterError()
    .exitOverride();
  const ctx = createContext(program);
  registerUp(program, ctx);
  registerDown(program, ctx);
  registerStatus(program, ctx);
  registerDoctor(program, ctx);
  registerNats(program, ctx);
  return { program, ctx };
}

/** Runs the CLI; returns the exit code. Errors print as one clear line (plus cause), not a stack trace. */
export async function main(argv: string[]): Promise<number> {
  const { program, ctx } = buildProgram();
  let tracing: Tracing | undefined;
  try {
    // Off unless the standard OTEL_* variables name an exporter; spans are flushed on the way out.
    tracing = setupTracing({ serviceName: 'signflow' });
    await registerPackageCommands(program, ctx);
    await program.parseAsync(argv);
    return typeof process.exitCode === 'number' ? process.exitCode : 0;
  } catch (err) {
    if (err instanceof CommanderError) return err.exitCode;
    const code = err instanceof SignflowError ? ` [${err.code}]` : '';
    process.stderr.write(`signflow: error${code}: ${describeError(err)}\n`);
    if (process.env['SIGNFLOW_DEBUG'] && err instanceof Error) process.stderr.write(`${err.stack ?? ''}\n`);
    return 1;
  } finally {
    await tracing?.shutdown();
  }
}
