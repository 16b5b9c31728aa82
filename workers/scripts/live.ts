/**
 * The live-transcription commands before the `signflow` CLI wires them (used by
 * scripts/demo.d/50-live.sh): `transcribe`, `extract` and `ensure-model`.
 * Run: node --import tsx workers/scripts/live.ts <command> [options]
 */
import { Command } from 'commander';
import { connect } from '@nats-io/transport-node';
import { loadConfig, natsClientOptions, type CliContext, type SignflowConfig } from '@signflow/core';
import { fixture } from '@signflow/testkit';
import { registerCommands } from '../src/transcriber/cli.js';
import { ensureDemoModel } from '../src/transcriber/demo-model.js';

const program = new Command('signflow-live').option('-c, --config <file>', 'config file').option('--json', 'JSON output');
let cached: SignflowConfig | undefined;
const ctx: CliContext = {
  loadConfig: () => (cached ??= loadConfig({ configPath: program.opts<{ config?: string }>().config }).config),
  output: (data, table) => process.stdout.write(`${program.opts<{ json?: boolean }>().json || !table ? JSON.stringify(data) : table()}\n`),
};
registerCommands(program, ctx);
program
  .command('ensure-model')
  .description('keep the production model, or train the small fixture model, register and promote it')
  .option('--model <name>', 'registry model name', 'signs')
  .action(async (opts: { model: string }) => {
    const config = ctx.loadConfig();
    const nc = await connect({ ...natsClientOptions(config), timeout: 3000 }).catch(() => undefined);
    const result = await ensureDemoModel(config, nc, fixture('msl150', 'sample_npy'), opts.model);
    await nc?.drain();
    ctx.output(result, () => `${opts.model} v${result.version} in production (${result.source === 'cached' ? 'already registered' : 'trained on the MSL-150 fixture sequences and promoted'})`);
  });
await program.parseAsync();
