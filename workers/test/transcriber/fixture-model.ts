import { Dataset, DatasetStore, importSource, openMsl150 } from '@signflow/datasets';
import { fixture } from '@signflow/testkit';
import { ModelRegistry, type EventPublisher } from '../../src/registry/registry.js';
import { runTrainJob } from '../../src/training/job.js';
import { parseTrainParams, type TrainParamsInput } from '../../src/training/params.js';
import type { SequenceDataset } from '../../src/training/data.js';
import type { BlobStore } from '../../src/training/store.js';

/**
 * A model as production gets it, for the live tests and bench: the MSL-150 fixture imported by
 * the datasets importer into a dataset store, stacked by the dataset's toArrays (what the
 * pipeline's train step does), trained by the training package's job, registered with the
 * dataset version as its lineage. Only the first `trainPerSign` sequences of each sign are
 * trained on, so the later ones can be replayed as unseen signs (helpers' mslSets).
 */
export const MSL_ROOT = (): string => fixture('msl150', 'sample_npy');

export async function importFixture(datasets: DatasetStore): Promise<string> {
  const version = await importSource(await openMsl150(MSL_ROOT()), { store: datasets, name: 'msl150' });
  return version.id;
}

/** A fast configuration of the pipeline's training (an MLP instead of the pipeline's GRU). */
export const FAST_TRAINING: TrainParamsInput = {
  model: { architecture: 'mlp', units: 64, dropout: 0.1 },
  epochs: 40,
  batchSize: 16,
  learningRate: 0.001,
  testFraction: 0.1,
  validationFraction: 0,
};

export interface TrainedVersion {
  version: number;
  accuracy: number;
}

export async function trainAndRegister(options: {
  store: BlobStore;
  datasets: DatasetStore;
  datasetId: string;
  name: string;
  seed: number;
  trainPerSign?: number;
  events?: EventPublisher;
}): Promise<TrainedVersion> {
  const dataset = await Dataset.open(options.datasets, options.datasetId);
  const perSign = options.trainPerSign ?? 10;
  const bySign = new Map<string, number[]>();
  dataset.index.forEach((entry, i) => bySign.set(entry.gloss, [...(bySign.get(entry.gloss) ?? []), i]));
  const sequence = (i: number): number => Number(dataset.index[i]?.id.split('/')[1] ?? 0);
  const indices = [...bySign.values()].flatMap((list) => list.sort((a, b) => sequence(a) - sequence(b)).slice(0, perSign));
  const arrays = await dataset.toArrays({ indices });
  const data: SequenceDataset = { x: arrays.x, shape: arrays.shape, labels: arrays.y, classNames: arrays.labels, ids: arrays.ids };
  const params = parseTrainParams({ ...FAST_TRAINING, model: { ...FAST_TRAINING.model, seed: options.seed } });
  const result = await runTrainJob({ dataset: data, datasetVersion: options.datasetId, params, runId: `fixture-${options.seed}`, stepId: 'train' }, { store: options.store });
  const registry = new ModelRegistry(options.store, options.events);
  const version = await registry.register(options.name, {
    model: result.model,
    preprocessing: result.preprocessing,
    lineage: { datasetVersion: options.datasetId, params: { ...params, trainPerSign: perSign }, metrics: { accuracy: result.evaluation.accuracy }, backend: result.backend },
  });
  return { version: version.version, accuracy: result.evaluation.accuracy };
}
