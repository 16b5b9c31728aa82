import { resolve } from 'node:path';
import { z } from 'zod';
import { loadConfig, parseWith } from '@signflow/core';
import { Dataset, importSource, openConfiguredStore, openKaggleIslr, openKeypointCsv, openMsl150, splitDataset, type DatasetStore, type ImportSource, type WrittenVersion } from '@signflow/datasets';
import { registerStep, type StepContext } from './registry.js';

/**
 * Dataset steps over @signflow/datasets (the same functions `signflow dataset import|split` use):
 * versions live in the configured dataset store (`datasets.store`, which the pipeline worker passes
 * to steps as SIGNFLOW_DATASETS_STORE/_BUCKET: local under SIGNFLOW_DATA_DIR, or a NATS bucket
 * when steps run in their own pods); the step outputs the version id (what training steps take)
 * and the version's manifest as a `dataset` artifact, so lineage has a dataset node with the
 * version's content hashes.
 */
let opened: Promise<DatasetStore> | undefined;

/** The step process's dataset store, opened once; signflow-step closes it when the step ends. */
export function stepDatasetStore(): Promise<DatasetStore> {
  opened ??= (async () => {
    const config = loadConfig().config;
    if (config.datasets.store.kind === 'local' && !process.env['SIGNFLOW_DATA_DIR']) {
      throw new Error('SIGNFLOW_DATA_DIR is not set: the pipeline worker passes its data dir to every step');
    }
    return openConfiguredStore(config);
  })();
  return opened;
}

export async function closeStepDatasetStore(): Promise<void> {
  const open = opened;
  opened = undefined;
  await (await open?.catch(() => undefined))?.close();
}

async function versionOutputs(ctx: StepContext, v: WrittenVersion) {
  const manifest = await ctx.store.putBytes(JSON.stringify(v.manifest, null, 2), 'dataset', {
    datasetVersion: v.id,
    name: v.manifest.name,
    samples: v.manifest.sampleCount,
    classes: v.manifest.labels.length,
  });
  ctx.log(`dataset ${v.manifest.name}@${v.id}: ${v.manifest.sampleCount} samples, ${v.manifest.labels.length} classes`);
  return {
    parameters: { dataset: v.id, samples: v.manifest.sampleCount, classes: v.manifest.labels.length },
    artifacts: { manifest },
  };
}

const importParams = z.object({
  kind: z.enum(['keypoint-csv', 'msl150', 'kaggle-islr']),
  path: z.string().min(1),
  name: z.string().min(1),
  labels: z.string().min(1).optional(),
  fps: z.number().int().positive().optional(),
});

registerStep('datasets.import', async (ctx) => {
  const p = parseWith(importParams, ctx.parameters, 'datasets.import parameters');
  const path = resolve(p.path);
  const fps = p.fps ? { fps: p.fps } : {};
  const source: ImportSource =
    p.kind === 'keypoint-csv'
      ? await openKeypointCsv(path, p.labels ? { labelsFile: resolve(p.labels) } : {})
      : p.kind === 'kaggle-islr'
        ? await openKaggleIslr(path, fps)
        : await openMsl150(path, fps);
  const version = await importSource(source, { store: await stepDatasetStore(), name: p.name, onProgress: (done, total) => done % 500 === 0 && ctx.log(`imported ${done}${total ? `/${total}` : ''}`) });
  if (version.skipped) ctx.log(`skipped ${version.skipped} bad items`);
  return versionOutputs(ctx, version);
});

const splitParams = z.object({
  dataset: z.string().min(1),
  k: z.number().int().min(2).max(20).default(5),
  seed: z.number().int().min(0).default(0),
  /** `auto` = by signer when there are enough signers; one-signer data (MSL-150) needs stratified-kfold. */
  method: z.enum(['auto', 'group-kfold', 'stratified-kfold']).default('auto'),
});

registerStep('datasets.split', async (ctx) => {
  const p = parseWith(splitParams, ctx.parameters, 'datasets.split parameters');
  const s = await stepDatasetStore();
  const dataset = await Dataset.open(s, await s.resolve(p.dataset));
  const version = await splitDataset(dataset, { store: s, k: p.k, seed: p.seed, method: p.method });
  ctx.log(`split ${p.dataset} into ${p.k} folds by ${version.split.method}`);
  return versionOutputs(ctx, version);
});
