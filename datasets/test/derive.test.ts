import { test } from 'node:test';
import assert from 'node:assert/strict';
import { tempDir, fixture } from '@signflow/testkit';
import { DatasetStore, MSL150_LAYOUT, openDataset } from '../src/index.js';
import { importSource } from '../src/importers/common.js';
import { openMsl150 } from '../src/importers/msl150.js';
import { preprocessDataset } from '../src/derive/preprocess.js';
import { splitDataset } from '../src/derive/split.js';
import { syntheticSample } from './helpers/synthetic.js';

test('preprocessing MSL-150 is deterministic from the seed and records its parent and spec', async () => {
  await using dir = await tempDir();
  const store = DatasetStore.local(dir.path);
  const base = await importSource(await openMsl150(fixture('msl150')), { store, name: 'msl150' });
  const parent = await openDataset(base.id, { store });
  const spec = { seed: 3, normalize: 'body' as const, resample: 24, mirror: 'add' as const, augment: { copies: 2, rotationDeg: 10, scale: 0.1, timeWarp: 0.1, dropout: 0.05 }, quality: { drop: ['noLandmarks' as const] } };
  const a = await preprocessDataset(parent, spec, { store, name: 'msl150-prep' });
  const b = await preprocessDataset(parent, spec, { store, name: 'msl150-prep' });
  assert.equal(a.id, b.id, 'same parent and spec, same version');
  const c = await preprocessDataset(parent, { ...spec, seed: 4 }, { store, name: 'msl150-prep' });
  assert.notEqual(a.id, c.id);
  assert.equal(a.manifest.sampleCount, 86 * 2 * 3, 'each sample, its mirror, and 2 augmented copies of each');
  assert.equal(a.manifest.coordinates.space, 'body');
  assert.deepEqual(a.manifest.provenance.parents, [base.id]);
  assert.equal(a.manifest.provenance.steps.at(-1)?.op, 'preprocess');
  assert.equal(a.manifest.quality.dropped['noLandmarks'], 139, 'the all-zero frames were dropped and counted');
  const ds = await openDataset(a.id, { store });
  const arrays = await ds.toArrays();
  assert.deepEqual(arrays.shape, [516, 24, 67 * 4]);
  assert.ok(arrays.x.every((v) => Number.isFinite(v)));
  const mirrored = ds.index.find((e) => e.id === 'yo/1#mirror');
  assert.ok(mirrored, 'mirror copies are named');
});

test('a split version shares the data blob, records the folds, and folds carry through preprocessing', async () => {
  await using dir = await tempDir();
  const store = DatasetStore.local(dir.path);
  const w = store.createWriter({ name: 'multi', layout: MSL150_LAYOUT, coordinates: { space: 'image-normalized' }, sources: [{ kind: 'synthetic', location: 'test' }] });
  for (let s = 0; s < 6; s++) for (let i = 0; i < 4; i++) await w.add(syntheticSample(MSL150_LAYOUT, `p${s}-${i}`, ['yo', 'hoy'][i % 2] ?? 'yo', 10, `p${s}`, s));
  const base = await w.commit();
  const split = await splitDataset(await openDataset(base.id, { store }), { store, k: 3, seed: 11 });
  assert.equal(split.manifest.files.data.sha256, base.manifest.files.data.sha256, 'data blob shared');
  assert.equal(split.manifest.splits?.method, 'group-kfold');
  assert.deepEqual(split.manifest.splits?.foldSizes, [8, 8, 8]);
  const ds = await openDataset(split.id, { store });
  const { train, test: testIdx } = await ds.fold(1);
  const trainSigners = new Set(train.map((i) => ds.index[i]?.signer));
  for (const i of testIdx) assert.ok(!trainSigners.has(ds.index[i]?.signer ?? ''), 'no test signer in train');
  const aug = await preprocessDataset(ds, { seed: 1, augment: { copies: 1, rotationDeg: 5 } }, { store });
  const augDs = await openDataset(aug.id, { store });
  const folds = await augDs.folds();
  assert.equal(folds?.length, 48);
  augDs.index.forEach((e, i) => {
    const orig = ds.index.findIndex((o) => o.id === e.id.replace(/#aug1$/, ''));
    assert.equal(folds?.[i], split.split.folds[orig], `${e.id} stays in its sample's fold`);
  });
  await assert.rejects(splitDataset(await openDataset('multi', { store }), { store, k: 8, seed: 1, method: 'group-kfold' }), /6 signer group\(s\) for 8 folds/);
});
