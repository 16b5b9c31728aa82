import type { Command } from 'commander';
import type { CliContext } from '@signflow/core';
import { registerModelCommands } from './registry/cli.js';
import { registerExtractCommands, registerTranscribeCommands } from './transcriber/cli.js';
import { registerWorkerCommands } from './worker/cli.js';

/** The `./cli` hook the signflow CLI calls: model registry, transcriber, extraction, and the cluster processes (serve, worker). */
export function registerCommands(program: Command, ctx: CliContext): void {
  registerModelCommands(program, ctx);
  registerTranscribeCommands(program, ctx);
  registerExtractCommands(program, ctx);
  registerWorkerCommands(program, ctx);
}
