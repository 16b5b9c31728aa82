import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { tempDir } from '@signflow/testkit';
import { DatasetStore, MSL150_LAYOUT, openDataset, blobKey, DatasetStoreError, DatasetSampleError, FrameFlag, LocalDiskBackend } from '../src/index.js';
import { syntheticSample } from './helpers/synthetic.js';

const source = { kind: 'synthetic', location: 'test' };

test('a version round-trips: manifest counts, samples byte-identical, arrays shaped [n, T, F]', async () => {
  await using dir = await tempDir();
  const store = DatasetStore.local(dir.path);
  const w = store.createWriter({ name: 'toy', layout: MSL150_LAYOUT, coordinates: { space: 'image-normalized' }, sources: [source] });
  const a = syntheticSample(MSL150_LAYOUT, 'a', 'yo', 30, 'ana');
  const b = syntheticSample(MSL150_LAYOUT, 'b', 'hoy', 20, 'ben', 1);
  const flags = new Uint8Array(20);
  flags[3] = FrameFlag.blur;
  await w.add(a);
  await w.add({ ...b, flags });
  w.skip('c.npy', 'wrong-shape', 'shape (225,)');
  const v = await w.commit();
  assert.match(v.id, /^[0-9a-f]{64}$/);
  assert.deepEqual(v.manifest.labels, ['hoy', 'yo']);
  assert.deepEqual(v.manifest.classCounts, { hoy: 1, yo: 1 });
  assert.deepEqual(v.manifest.signerCounts, { ana: 1, ben: 1 });
  assert.equal(v.manifest.frameCount, 50);
  assert.deepEqual(v.manifest.quality.flagged, { blur: 1 });
  assert.deepEqual(v.manifest.quality.skipped, { 'wrong-shape': 1 });

  const ds = await openDataset('toy', { store });
  assert.equal(ds.id, v.id);
  const s1 = await ds.sample(1);
  assert.equal(s1.gloss, 'hoy');
  assert.deepEqual(Array.from(s1.data), Array.from(b.data));
  assert.equal(s1.flags[3], FrameFlag.blur);
  const arrays = await ds.toArrays({ frames: 10, components: ['right_hand'], channels: ['x', 'y'] });
  assert.deepEqual(arrays.shape, [2, 10, 42]);
  assert.deepEqual(Array.from(arrays.y), [1, 0]);
  assert.equal(arrays.x.length, 2 * 10 * 42);
  // first frame of the first sample, right hand point 0, x: point index 25 + 21 = 46
  assert.equal(arrays.x[0], a.data[46 * 4]);

  // prefixes and name@prefix resolve; the same content gives the same id again
  assert.equal(await store.resolve(v.id.slice(0, 8)), v.id);
  assert.equal(await store.resolve(`toy@${v.id.slice(0, 8)}`), v.id);
  const w2 = store.createWriter({ name: 'toy', layout: MSL150_LAYOUT, coordinates: { space: 'image-normalized' }, sources: [source] });
  await w2.add(a);
  await w2.add({ ...b, flags });
  w2.skip('c.npy', 'wrong-shape', 'shape (225,)');
  assert.equal((await w2.commit()).id, v.id, 'content-addressed: same content, same id');
  assert.equal((await store.list()).length, 1);
  const ref = await store.artifactRef(v.id);
  assert.equal(ref.kind, 'dataset');
  assert.equal(ref.sha256, v.id);
});

test('the writer refuses NaN, wrong shapes and duplicate ids, naming the sample', async () => {
  await using dir = await tempDir();
  const store = DatasetStore.local(dir.path);
  const w = store.createWriter({ name: 'bad', layout: MSL150_LAYOUT, coordinates: { space: 'image-normalized' }, sources: [source] });
  const s = syntheticSample(MSL150_LAYOUT, 'x', 'yo', 3);
  s.data[17] = Number.NaN;
  await assert.rejects(w.add(s), (e: unknown) => e instanceof DatasetSampleError && /sample x: non-finite value NaN at frame 0, point 4/.test(e.message));
  await assert.rejects(w.add({ ...syntheticSample(MSL150_LAYOUT, 'y', 'yo', 3), data: new Float32Array(10) }), /not a whole number of frames of 268/);
  await w.add(syntheticSample(MSL150_LAYOUT, 'z', 'yo', 3));
  await assert.rejects(w.add(syntheticSample(MSL150_LAYOUT, 'z', 'yo', 3)), /duplicate sample id/);
  await w.abort();
  const empty = store.createWriter({ name: 'empty', layout: MSL150_LAYOUT, coordinates: { space: 'image-normalized' }, sources: [source] });
  empty.skip('f', 'corrupt');
  await assert.rejects(empty.commit(), /no valid sample to write \(skipped: 1 × corrupt\)/);
});

test('a corrupted data blob is detected on load', async () => {
  await using dir = await tempDir();
  const store = DatasetStore.local(dir.path);
  const w = store.createWriter({ name: 'c', layout: MSL150_LAYOUT, coordinates: { space: 'image-normalized' }, sources: [source] });
  await w.add(syntheticSample(MSL150_LAYOUT, 'a', 'yo', 5));
  const v = await w.commit();
  const backend = store.backend as LocalDiskBackend;
  const file = join(backend.root, ...blobKey(v.manifest.files.data.sha256).split('/'));
  const bytes = await readFile(file);
  bytes[10] = (bytes[10] ?? 0) ^ 0xff;
  await writeFile(file, bytes);
  const ds = await openDataset(v.id, { store });
  await assert.rejects(ds.load(), (e: unknown) => e instanceof DatasetStoreError && /data file fails its sha256 check/.test(e.message));
});
