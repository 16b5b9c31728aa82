import { z } from 'zod';
import { connect } from '@nats-io/transport-node';
import { artifactRefSchema, loadConfig, natsClientOptions, parseWith, type ArtifactRef } from '@signflow/core';
import { toTensorArrays } from '@signflow/datasets';
import { registerStep, type StepContext } from '../steps/registry.js';
import { stepDatasetStore } from '../steps/datasets.js';
import { evaluateModel } from '../evaluation/evaluate.js';
import { renderConfusionPng } from '../evaluation/confusion-image.js';
import { loadModelVersion, loadPreprocessing, savePreprocessing } from '../inference/model-package.js';
import { featureSpecFromDataset } from '../inference/feature-spec.js';
import { predictDataset, writePredictions } from '../inference/batch.js';
import { ModelRegistry, type EventPublisher } from '../registry/registry.js';
import { loadModel } from './model-io.js';
import { disposeModel } from './models.js';
import { runTrainJob } from './job.js';
import { parseTrainParams } from './params.js';
import type { SequenceDataset } from './data.js';

/**
 * Pipeline steps (`signflow-step <name>`): training.train, training.evaluate, registry.register,
 * inference.batch. Datasets come by reference (`dataset` parameter: a dataset version id or
 * `name@id`) and are stacked to arrays by the datasets package.
 */
const datasetParams = z.object({ dataset: z.string().min(1), frames: z.number().int().positive().optional() }).passthrough();

async function loadDataset(ref: string, frames: number | undefined): Promise<{ dataset: SequenceDataset; version: string }> {
  const arrays = await toTensorArrays(ref, frames ? { frames } : {}, { store: await stepDatasetStore() });
  const signers = arrays.signers.every((s) => s === null) ? undefined : arrays.signers.map((s) => s ?? 'unknown');
  return { dataset: { x: arrays.x, shape: arrays.shape, labels: arrays.y, classNames: arrays.labels, ids: arrays.ids, signers }, version: ref };
}

async function natsPublisher(): Promise<{ events: EventPublisher | undefined; close(): Promise<void> }> {
  const config = loadConfig().config;
  const nc = await connect({ ...natsClientOptions(config), timeout: 2000, maxReconnectAttempts: 0 }).catch(() => undefined);
  return { events: nc, close: async () => nc?.drain() };
}

function stepKey(ctx: StepContext): string {
  return `runs/${ctx.run.runId}/${ctx.run.stepPath}`.replace(/[^A-Za-z0-9._/-]/g, '_');
}

function artifact(ctx: StepContext, name: string): ArtifactRef {
  const ref = ctx.artifacts[name];
  if (!ref) throw new Error(`input artifact "${name}" is missing`);
  return artifactRefSchema.parse(ref);
}

/**
 * The model package carries its feature spec (layout, coordinate space, normalisation, frames of
 * its training dataset), so live services need no access to the dataset store to feed it. A
 * dataset whose coordinates live landmarks cannot be given in keeps a package without one.
 */
async function withFeatureSpec(ctx: StepContext, ref: ArtifactRef, datasetVersion: string): Promise<ArtifactRef> {
  const preprocessing = await loadPreprocessing(ctx.store, ref);
  try {
    const featureSpec = await featureSpecFromDataset(await stepDatasetStore(), datasetVersion, preprocessing.frames);
    return await savePreprocessing(ctx.store, { ...preprocessing, featureSpec });
  } catch (err) {
    if (!(err instanceof RangeError)) throw err;
    ctx.log(`model package without a feature spec (live transcription cannot use it): ${err.message}`);
    return ref;
  }
}

registerStep('training.train', async (ctx) => {
  const input = parseWith(datasetParams, ctx.parameters, 'training.train parameters');
  const params = parseTrainParams(ctx.parameters['train'] ?? {}, 'training.train parameters.train');
  const { dataset, version } = await loadDataset(input.dataset, input.frames ?? params.frames);
  const nats = await natsPublisher();
  try {
    const result = await runTrainJob(
      { dataset, datasetVersion: version, params, runId: ctx.run.runId, stepId: stepKey(ctx).split('/').slice(2).join('/') },
      { store: ctx.store, events: nats.events, heartbeat: (p) => ctx.log(`progress ${JSON.stringify(p)}`) },
    );
    const preprocessing = await withFeatureSpec(ctx, result.preprocessing, version);
    return {
      parameters: { accuracy: result.evaluation.accuracy, top5: result.evaluation.top5, backend: result.backend, resumedFromEpoch: result.resumedFromEpoch, params, datasetVersion: version },
      artifacts: { model: result.model.modelJson, weights: result.model.weights, preprocessing, report: result.report, confusion: result.confusionPng, metrics: result.metricsHistory },
    };
  } finally {
    await nats.close();
  }
});

registerStep('training.evaluate', async (ctx) => {
  const input = parseWith(datasetParams, ctx.parameters, 'training.evaluate parameters');
  const model = await loadModel(ctx.store, { modelJson: artifact(ctx, 'model'), weights: artifact(ctx, 'weights') });
  const preprocessing = await loadPreprocessing(ctx.store, artifact(ctx, 'preprocessing'));
  const { dataset } = await loadDataset(input.dataset, input.frames ?? preprocessing.frames);
  try {
    const report = await evaluateModel(model, dataset, { standardizer: preprocessing.standardizer });
    const reportRef = await ctx.store.putBytes(JSON.stringify(report, null, 2), 'metrics', { accuracy: report.accuracy });
    const png = await ctx.store.putBytes(renderConfusionPng(report.confusion.matrix), 'plot', { plot: 'confusion-matrix', labels: report.confusion.labels });
    return { parameters: { accuracy: report.accuracy, top5: report.top5, latencyP95Ms: report.latency.p95Ms }, artifacts: { report: reportRef, confusion: png } };
  } finally {
    disposeModel(model);
  }
});

const registerParams = z.object({
  name: z.string().min(1),
  datasetVersion: z.string().min(1),
  params: z.record(z.string(), z.unknown()).default({}),
  metrics: z.record(z.string(), z.unknown()).default({}),
  /** Held-out evaluation figures, merged into `metrics` (the pipeline wires the evaluate step's outputs here). */
  accuracy: z.number().optional(),
  top5: z.number().optional(),
  latencyP95Ms: z.number().optional(),
  backend: z.string().default('unknown'),
  promote: z.enum(['staging', 'production']).optional(),
});

function registeredMetrics(p: z.output<typeof registerParams>): Record<string, unknown> {
  const evaluation = Object.entries({ accuracy: p.accuracy, top5: p.top5, latencyP95Ms: p.latencyP95Ms }).filter(([, v]) => v !== undefined);
  return { ...p.metrics, ...Object.fromEntries(evaluation) };
}

registerStep('registry.register', async (ctx) => {
  const p = parseWith(registerParams, ctx.parameters, 'registry.register parameters');
  const nats = await natsPublisher();
  try {
    const registry = new ModelRegistry(ctx.store, nats.events);
    const version = await registry.register(p.name, {
      model: { modelJson: artifact(ctx, 'model'), weights: artifact(ctx, 'weights') },
      preprocessing: artifact(ctx, 'preprocessing'),
      lineage: { datasetVersion: p.datasetVersion, runId: ctx.run.runId, stepId: ctx.run.stepPath, params: p.params, metrics: registeredMetrics(p), backend: p.backend },
    });
    if (p.promote) await registry.promote(p.name, version.version, p.promote);
    return { parameters: { name: p.name, version: version.version, stage: p.promote ?? 'none' } };
  } finally {
    await nats.close();
  }
});

const inferenceParams = datasetParams.extend({ model: z.string().min(1), version: z.union([z.number().int().positive(), z.enum(['staging', 'production'])]).default('production'), fps: z.number().positive().default(30) });

registerStep('inference.batch', async (ctx) => {
  const p = parseWith(inferenceParams, ctx.parameters, 'inference.batch parameters');
  const version = await new ModelRegistry(ctx.store).get(p.model, p.version);
  const loaded = await loadModelVersion(ctx.store, version);
  try {
    const { dataset } = await loadDataset(p.dataset, p.frames ?? loaded.preprocessing.frames);
    const predictions = await predictDataset(loaded, dataset, p.fps);
    const ref = await writePredictions(ctx.store, predictions, { model: p.model, version: version.version, dataset: p.dataset });
    return { parameters: { count: predictions.length }, artifacts: { predictions: ref } };
  } finally {
    disposeModel(loaded.model);
  }
});
