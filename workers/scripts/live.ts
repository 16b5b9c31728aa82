/**
 * The live-transcription commands before the `signflow` CLI wires them (used by
 * scripts/demo.d/50-live.sh): `transcribe`, `extract` and `check-model`.
 * Run: node --import tsx workers/scripts/live.ts <command> [options]
 */
import { Command } from 'commander';
import { configuredArtifactStore, loadConfig, type CliContext, type SignflowConfig } from '@signflow/core';
import { DatasetStore } from '@signflow/datasets';
import { ModelRegistry } from '../src/registry/registry.js';
import { registerCommands } from '../src/transcriber/cli.js';
import { recognizerFromRegistry } from '../src/transcriber/registry-source.js';

const program = new Command('signflow-live').option('-c, --config <file>', 'config file').option('--json', 'JSON output');
let cached: SignflowConfig | undefined;
const ctx: CliContext = {
  loadConfig: () => (cached ??= loadConfig({ configPath: program.opts<{ config?: string }>().config }).config),
  output: (data, table) => process.stdout.write(`${program.opts<{ json?: boolean }>().json || !table ? JSON.stringify(data) : table()}\n`),
};
registerCommands(program, ctx);
program
  .command('check-model')
  .description('load the production model the transcriber will use, with its feature spec, and say what it is')
  .option('--model <name>', 'registry model name', 'sign-recognition')
  .action(async (opts: { model: string }) => {
    const config = ctx.loadConfig();
    const store = configuredArtifactStore(config);
    const version = await new ModelRegistry(store).get(opts.model, 'production');
    const recognizer = await recognizerFromRegistry(store, opts.model, version, DatasetStore.local(config.dataDir));
    const spec = recognizer.featureSpec;
    recognizer.dispose();
    const result = { model: opts.model, version: version.version, labels: recognizer.labels, dataset: version.lineage.datasetVersion, runId: version.lineage.runId ?? null, layout: spec.layout.id, source: spec.source, normalize: spec.normalize ?? null, frames: spec.frames };
    ctx.output(result, () => `${opts.model} v${version.version} in production (run ${result.runId ?? '?'}): ${recognizer.labels.length} signs, features ${spec.layout.id} (${spec.source}${spec.normalize ? `, ${spec.normalize}-normalised` : ''}) × ${spec.frames} frames from dataset ${version.lineage.datasetVersion.slice(0, 12)}`);
  });
await program.parseAsync();
