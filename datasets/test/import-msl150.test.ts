import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdir, readFile, writeFile, cp } from 'node:fs/promises';
import { join } from 'node:path';
import { tempDir, fixture } from '@signflow/testkit';
import { DatasetStore, MSL150_LAYOUT, openDataset, DatasetInputError } from '../src/index.js';
import { importSource } from '../src/importers/common.js';
import { openMsl150 } from '../src/importers/msl150.js';
import { parseNpy, writeNpy } from '../src/importers/npy.js';

test('npy parser reads the real MSL-150 frames: <f8, shape (226,)', async () => {
  const file = fixture('msl150', 'sample_npy', 'doctor', '10', '0.npy');
  const arr = parseNpy(await readFile(file), file);
  assert.equal(arr.dtype, '<f8');
  assert.deepEqual(arr.shape, [226]);
  assert.equal(arr.data.length, 226);
  const round = parseNpy(writeNpy(new Float32Array([1, 2, 3, 4, 5, 6]), [2, 3]), 'mem');
  assert.deepEqual(round.shape, [2, 3]);
  assert.deepEqual(Array.from(round.data), [1, 2, 3, 4, 5, 6]);
});

test('npy parser names the file and the fault: not npy, truncated, bad dtype, fortran order handled', async () => {
  const good = writeNpy(new Float64Array(226).fill(0.5), [226]);
  assert.throws(() => parseNpy(good.subarray(0, good.length - 8), 'a/0.npy'), (e: unknown) => e instanceof DatasetInputError && /a\/0\.npy: truncated \.npy data: shape \(226\) of <f8 needs 1808 bytes, file has 1800/.test(e.message));
  assert.throws(() => parseNpy(new TextEncoder().encode('hello world, not numpy'), 'b.npy'), /b\.npy: not a NumPy \.npy file/);
  assert.throws(() => parseNpy(good.subarray(0, 20), 'c.npy'), /c\.npy: truncated \.npy header/);
  const obj = Uint8Array.from(good);
  obj.set(new TextEncoder().encode("{'descr': '|O'"), 10);
  assert.throws(() => parseNpy(obj, 'd.npy'), /d\.npy: unsupported dtype "\|O"/);
  const f = writeNpy(new Float64Array([1, 2, 3, 4, 5, 6]), [2, 3]);
  const text = new TextDecoder('latin1').decode(f.subarray(10, 10 + 60)).replace("'fortran_order': False", "'fortran_order': True ");
  const fo = Uint8Array.from(f);
  fo.set(new TextEncoder().encode(text), 10);
  assert.deepEqual(Array.from(parseNpy(fo, 'e.npy').data), [1, 3, 5, 2, 4, 6], 'Fortran order converted to C order');
});

test('MSL-150: every fixture sequence imports with the real class counts, empty parts as not detected', async () => {
  await using dir = await tempDir();
  const store = DatasetStore.local(dir.path);
  const v = await importSource(await openMsl150(fixture('msl150')), { store, name: 'msl150' });
  assert.equal(v.manifest.sampleCount, 86);
  assert.deepEqual(v.manifest.classCounts, { ambulancia: 11, doctor: 15, dolor: 20, hoy: 20, yo: 20 });
  assert.equal(v.manifest.frameCount, 2580);
  assert.equal(v.manifest.quality.flagged['noLandmarks'], 139, '139 all-zero frames, as the fixtures README says');
  assert.deepEqual(v.manifest.quality.skipped, {});
  assert.match(v.manifest.provenance.sources[0]?.citation ?? '', /10\.5281\/zenodo\.17783312/);
  assert.equal(v.manifest.provenance.sources[0]?.files, 2580);

  const ds = await openDataset('msl150', { store });
  const i = ds.index.findIndex((e) => e.id === 'yo/1');
  const s = await ds.sample(i);
  const raw = parseNpy(await readFile(fixture('msl150', 'sample_npy', 'yo', '1', '5.npy')), '5.npy').data;
  const points = 67;
  // right hand point 8 (index tip) of frame 5
  const o = (5 * points + 46 + 8) * 4;
  if (raw.subarray(163, 226).some((x) => x !== 0)) {
    assert.ok(Math.abs((s.data[o] ?? 0) - (raw[163 + 8 * 3] ?? 0)) < 1e-6);
    assert.equal(s.data[o + 3], 1);
  }
  // in yo the pose and the right hand are filled, the left-hand block is zeros: "not detected"
  assert.ok((s.data[(5 * points + 11) * 4 + 3] ?? 0) > 0.5, 'left shoulder visible');
  assert.equal(s.data[(5 * points + 25) * 4 + 3], 0);
  assert.equal(s.data[(5 * points + 25) * 4], 0);
  const arrays = await ds.toArrays({ components: ['left_hand', 'right_hand'], channels: ['x', 'y', 'z'] });
  assert.deepEqual(arrays.shape, [86, 30, 126]);
  assert.equal(ds.layout.id, MSL150_LAYOUT.id);
});

test('MSL-150: a corrupt, truncated, NaN or wrong-shape frame skips its sequence with a counted reason', async () => {
  await using dir = await tempDir();
  const root = join(dir.path, 'sample_npy');
  for (const seq of ['1', '2', '3', '4', '5', '6']) {
    await mkdir(join(root, 'hoy', seq), { recursive: true });
    await cp(fixture('msl150', 'sample_npy', 'hoy', seq), join(root, 'hoy', seq), { recursive: true });
  }
  const bytes = await readFile(join(root, 'hoy', '2', '7.npy'));
  await writeFile(join(root, 'hoy', '2', '7.npy'), bytes.subarray(0, 1000));
  const nan = new Float64Array(226).fill(0.25);
  nan[170] = Number.NaN;
  await writeFile(join(root, 'hoy', '3', '4.npy'), writeNpy(nan, [226]));
  await writeFile(join(root, 'hoy', '4', '0.npy'), writeNpy(new Float64Array(225), [225]));
  await writeFile(join(root, 'hoy', '5', '9.npy'), 'garbage');
  const { rm } = await import('node:fs/promises');
  await rm(join(root, 'hoy', '6', '12.npy'));
  const store = DatasetStore.local(join(dir.path, 'data'));
  const v = await importSource(await openMsl150(root), { store, name: 'bad' });
  assert.equal(v.manifest.sampleCount, 1);
  assert.deepEqual(v.manifest.quality.skipped, { 'corrupt-npy': 2, 'nan-values': 1, 'wrong-shape': 1, 'missing-frames': 1 });
  const details = v.manifest.quality.skippedItems.map((s) => s.detail ?? '').join('\n');
  assert.match(details, /hoy\/2\/7\.npy: truncated \.npy data/);
  assert.match(details, /hoy\/3\/4\.npy: value NaN at index 170/);
  assert.match(details, /hoy\/4\/0\.npy: shape \(225\), expected \(226,\)/);
  await assert.rejects(importSource(await openMsl150(root), { store, name: 'bad2', strict: true }), /hoy\/2\/7\.npy/);
});
