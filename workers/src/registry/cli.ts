import type { Command } from 'commander';
import { connect } from '@nats-io/transport-node';
import { configuredArtifactStore, natsClientOptions, type ArtifactStore, type CliContext, type SignflowConfig } from '@signflow/core';
import { exportModelDirectory } from '../training/model-io.js';
import { loadPreprocessing } from '../inference/model-package.js';
import { ModelRegistry, STAGES, type EventPublisher, type ModelVersion, type Stage } from './registry.js';

/**
 * `signflow model ls|show|promote|rollback|export`. The registry lives in the configured artifact
 * store (`artifacts.store`: the data dir's, or a NATS bucket on a cluster); promotion events go to NATS when a server answers (else they are skipped, and
 * the command says so).
 */
export function registerModelCommands(program: Command, ctx: CliContext): void {
  const model = program.command('model').description('model registry: versions, stages, promotion, export');

  model
    .command('ls [name]')
    .description('list registered models, or the versions of one')
    .action(closingStores(async (name: string | undefined) => {
      const registry = openRegistry(ctx.loadConfig());
      if (!name) {
        const names = await registry.names();
        const rows = await Promise.all(names.map(async (n) => ({ name: n, versions: (await registry.list(n)).length, production: (await registry.list(n)).findLast((v) => v.stage === 'production')?.version ?? null })));
        ctx.output(rows, () => (rows.length ? rows.map((r) => `${r.name}\t${r.versions} version(s)\tproduction: ${r.production ?? '-'}`).join('\n') : 'no models registered'));
        return;
      }
      const versions = await registry.list(name);
      ctx.output(versions.map(summary), () => versions.map((v) => line(summary(v))).join('\n'));
    }));

  model
    .command('show <name> [version]')
    .description('one version with its lineage (default: production, else the latest)')
    .action(closingStores(async (name: string, version: string | undefined) => {
      const registry = openRegistry(ctx.loadConfig());
      const versions = await registry.list(name);
      const v = version ? await registry.get(name, parseVersion(version)) : (versions.findLast((x) => x.stage === 'production') ?? versions.at(-1));
      ctx.output(v, () => JSON.stringify(v, null, 2));
    }));

  model
    .command('promote <name> <version>')
    .description('move a version to a stage (default production); announces it on NATS')
    .option('--stage <stage>', `one of ${STAGES.filter((s) => s !== 'none').join(', ')}`, 'production')
    .action(closingStores(async (name: string, version: string, opts: { stage: string }) => {
      const stage = parseStage(opts.stage);
      await withEvents(ctx.loadConfig(), async (events) => {
        const registry = openRegistry(ctx.loadConfig(), events);
        const target = await registry.get(name, parseVersion(version));
        const event = await registry.promote(name, target.version, stage);
        ctx.output(event, () => `${name} v${event.version} → ${stage}${event.previous ? ` (was v${event.previous})` : ''}`);
      });
    }));

  model
    .command('rollback <name>')
    .description('put the previous production version back in production')
    .action(closingStores(async (name: string) => {
      await withEvents(ctx.loadConfig(), async (events) => {
        const event = await openRegistry(ctx.loadConfig(), events).rollback(name);
        ctx.output(event, () => `${name}: production is v${event.version} again (v${event.previous ?? '?'} archived)`);
      });
    }));

  model
    .command('export <name> <dir>')
    .description('write a version as a TF.js layers model (model.json, weights.bin, signflow.json)')
    .option('--version <version>', 'version number or stage', 'production')
    .action(closingStores(async (name: string, dir: string, opts: { version: string }) => {
      const config = ctx.loadConfig();
      const store = opened(configuredArtifactStore(config));
      const v = await new ModelRegistry(store).get(name, parseVersion(opts.version));
      const preprocessing = await loadPreprocessing(store, v.preprocessing);
      const files = await exportModelDirectory(store, v.model, dir, { 'signflow.json': { name, version: v.version, preprocessing, lineage: v.lineage } });
      ctx.output({ dir, files }, () => `exported ${name} v${v.version} to ${dir}: ${files.join(', ')}`);
    }));
}

/** The `./cli` hook the signflow CLI calls. */
export function registerCommands(program: Command, ctx: CliContext): void {
  registerModelCommands(program, ctx);
}

const openStores: ArtifactStore[] = [];

function opened(store: ArtifactStore): ArtifactStore {
  openStores.push(store);
  return store;
}

/** Closes the stores a command opened (a NATS store's connection would keep the process alive). */
function closingStores<A extends unknown[]>(action: (...args: A) => Promise<void>): (...args: A) => Promise<void> {
  return async (...args: A) => {
    try {
      await action(...args);
    } finally {
      for (const store of openStores.splice(0)) await store.close?.();
    }
  };
}

function openRegistry(config: SignflowConfig, events?: EventPublisher): ModelRegistry {
  return new ModelRegistry(opened(configuredArtifactStore(config)), events);
}

async function withEvents(config: SignflowConfig, fn: (events: EventPublisher | undefined) => Promise<void>): Promise<void> {
  const servers = config.nats.url ?? `nats://${config.nats.host}:${config.nats.port}`;
  const nc = await connect({ ...natsClientOptions(config), servers, timeout: 2000, maxReconnectAttempts: 0 }).catch(() => undefined);
  if (!nc) process.stderr.write(`signflow: NATS at ${servers} did not answer; the registry changed but no promotion event was sent\n`);
  try {
    await fn(nc);
  } finally {
    await nc?.drain();
  }
}

function parseVersion(value: string): number | Stage {
  if (/^\d+$/.test(value)) return Number(value);
  return parseStage(value);
}

function parseStage(value: string): Exclude<Stage, 'none'> {
  const stages = STAGES.filter((s): s is Exclude<Stage, 'none'> => s !== 'none');
  const found = stages.find((s) => s === value);
  if (!found) throw new Error(`stage ${JSON.stringify(value)}: expected one of ${stages.join(', ')}`);
  return found;
}

function summary(v: ModelVersion) {
  return { version: v.version, stage: v.stage, createdAt: v.createdAt, dataset: v.lineage.datasetVersion, run: v.lineage.runId ?? null, accuracy: v.lineage.metrics['accuracy'] ?? null, backend: v.lineage.backend };
}

function line(s: ReturnType<typeof summary>): string {
  return `v${s.version}\t${s.stage}\t${s.createdAt}\tdataset ${s.dataset}\taccuracy ${typeof s.accuracy === 'number' ? s.accuracy.toFixed(3) : '-'}\t${s.backend}`;
}
