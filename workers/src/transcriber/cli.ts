import type { Command } from 'commander';
import { connect } from '@nats-io/transport-node';
import { configuredArtifactStore, createLogger, describeError, METRICS_PORT_FLAG, metricsListenFrom, natsClientOptions, serveProcessMetrics, type CliContext, type SignflowConfig } from '@signflow/core';
import { DatasetStore, loadRig } from '@signflow/datasets';
import { ModelRegistry } from '../registry/registry.js';
import { loadRecognizerDir } from './model-files.js';
import { fixedModelSource, type ModelSource } from './model-source.js';
import { registryModelSource } from './registry-source.js';
import { startTranscriber } from './transcriber.js';
import type { NatsConnection } from '@nats-io/nats-core';

export interface TranscribeFlags {
  rig: string;
  model: string;
  modelDir?: string;
  camera?: string;
  rigFile?: string;
  deliver: 'new' | 'all';
}

function natsUrl(config: SignflowConfig): string {
  return config.nats.url ?? `nats://${config.nats.host}:${config.nats.port}`;
}

/**
 * The registry's production model (swapped on promotion), or a fixed exported model folder; the
 * local dataset store gives a model's feature spec when its package points to its dataset.
 */
export function modelSourceFor(config: SignflowConfig, nc: NatsConnection, flags: TranscribeFlags): ModelSource {
  const datasets = DatasetStore.local(config.dataDir);
  if (flags.modelDir) {
    const dir = flags.modelDir;
    return fixedModelSource(() => loadRecognizerDir(dir, flags.model, `dir:${dir.split('/').filter(Boolean).at(-1) ?? dir}`, datasets));
  }
  const store = configuredArtifactStore(config);
  return registryModelSource({ nc, registry: new ModelRegistry(store), store, model: flags.model, datasets });
}

/** `signflow transcribe --rig R`: runs the transcriber of a rig in the foreground until Ctrl-C. */
export function registerTranscribeCommands(program: Command, ctx: CliContext): void {
  program
    .command('transcribe')
    .description("transcribe a rig live: its landmark stream → sign segments → captions on signflow.captions.<rig> (production model, hot-swapped on promotion)")
    .requiredOption('--rig <rig>', 'rig id')
    .option('--model <name>', 'registry model name (the sign-recognition pipeline registers "sign-recognition")', 'sign-recognition')
    .option('--model-dir <dir>', 'use an exported TF.js model folder (signflow model export) instead of the registry')
    .option('--rig-file <file>', "the camera agent's rig file: with two or more calibrated cameras, their views are fused (triangulated) per instant")
    .option('--camera <camera>', 'single view: the camera recognised (default the first heard from); fused rig: the view image-space models read')
    .option('--from-start', 'a new consumer reads every landmark packet the stream holds, not only new ones', false)
    .option(...METRICS_PORT_FLAG)
    .action(async (opts: { rig: string; model: string; modelDir?: string; camera?: string; rigFile?: string; fromStart: boolean; metricsPort?: string }) => {
      const config = ctx.loadConfig();
      const logger = createLogger('transcriber');
      const rigInfo = opts.rigFile ? await loadRig(opts.rigFile) : undefined;
      if (rigInfo && rigInfo.id !== opts.rig) logger.warn({ rigFile: opts.rigFile, id: rigInfo.id }, 'the rig file describes another rig id; using its calibrations anyway');
      const nc = await connect({ ...natsClientOptions(config), servers: natsUrl(config), timeout: 3000 });
      const flags: TranscribeFlags = { rig: opts.rig, model: opts.model, deliver: opts.fromStart ? 'all' : 'new', ...(opts.modelDir ? { modelDir: opts.modelDir } : {}), ...(opts.camera ? { camera: opts.camera } : {}) };
      const transcriber = await startTranscriber(
        { nc, models: modelSourceFor(config, nc, flags), logger, ...(rigInfo ? { cameras: rigInfo.cameras } : {}) },
        { rig: flags.rig, deliver: flags.deliver, ...(flags.camera ? { camera: flags.camera } : {}) },
      );
      // Prometheus /metrics: caption latency, captions, garbage packets, consumer lag
      await using _metrics = await serveProcessMetrics(metricsListenFrom(opts.metricsPort), logger);
      const stats = transcriber.stats();
      ctx.output(
        { rig: stats.rig, model: stats.model, mode: stats.mode },
        () => `transcribing rig ${stats.rig} with ${stats.model.name} v${stats.model.version}, ${stats.mode === 'fused' ? `fusing ${rigInfo?.cameras.size ?? 0} calibrated cameras` : 'one camera'} (Ctrl-C to stop)`,
      );
      const stop = (): void => {
        transcriber.stop().then(
          () => nc.close(),
          (err: unknown) => logger.error({ err: describeError(err) }, 'stop failed'),
        );
      };
      process.once('SIGINT', stop);
      process.once('SIGTERM', stop);
      await transcriber.done;
      const final = transcriber.stats();
      logger.info(final, 'transcriber stopped');
    });
}

/** `signflow extract --rig R`: one extraction worker of the rig's consumer group, until Ctrl-C. */
export function registerExtractCommands(program: Command, ctx: CliContext): void {
  program
    .command('extract')
    .description("turn a rig's JPEG frames into landmark packets (MediaPipe; one worker of the rig's JetStream consumer group)")
    .requiredOption('--rig <rig>', 'rig id')
    .option('--no-pose', 'hands only (faster)')
    .option('--max-lag <ms>', 'skip frames older than this when reached', '1000')
    .option(...METRICS_PORT_FLAG)
    .action(async (opts: { rig: string; pose: boolean; maxLag: string; metricsPort?: string }) => {
      const config = ctx.loadConfig();
      const logger = createLogger('extraction');
      const nc = await connect({ ...natsClientOptions(config), servers: natsUrl(config), timeout: 3000 });
      const { createDetector } = await import('@signflow/landmarks');
      const { startExtraction } = await import('../extraction/service.js');
      const worker = await startExtraction(
        { nc, createDetector: () => createDetector('mediapipe', { pose: opts.pose, maxHands: 2 }), logger },
        { rig: opts.rig, maxLagMs: Number(opts.maxLag) },
      );
      ctx.output({ rig: opts.rig }, () => `extracting landmarks of rig ${opts.rig} (Ctrl-C to stop)`);
      // Prometheus /metrics: frames by outcome, extraction time, consumer lag
      await using _metrics = await serveProcessMetrics(metricsListenFrom(opts.metricsPort), logger);
      const stop = (): void => {
        worker.stop().then(
          () => nc.close(),
          (err: unknown) => logger.error({ err: describeError(err) }, 'stop failed'),
        );
      };
      process.once('SIGINT', stop);
      process.once('SIGTERM', stop);
      await worker.done;
      logger.info(worker.stats(), 'extraction stopped');
    });
}

/** The `./cli` hook shape, for a package that wires only these commands. */
export function registerCommands(program: Command, ctx: CliContext): void {
  registerTranscribeCommands(program, ctx);
  registerExtractCommands(program, ctx);
}
