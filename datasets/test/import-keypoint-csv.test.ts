import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFile, writeFile, copyFile } from 'node:fs/promises';
import { join } from 'node:path';
import { tempDir, fixture } from '@signflow/testkit';
import { DatasetStore, openDataset } from '../src/index.js';
import { importSource } from '../src/importers/common.js';
import { openKeypointCsv } from '../src/importers/keypoint-csv.js';

test('keypoint CSV: the real kazuhito file imports 4,450 one-frame hands with labels from the BOM/CRLF label file', async () => {
  await using dir = await tempDir();
  const store = DatasetStore.local(dir.path);
  const v = await importSource(await openKeypointCsv(fixture('kazuhito-hand-gesture', 'keypoint.csv')), { store, name: 'kazuhito' });
  assert.equal(v.manifest.sampleCount, 4450);
  assert.deepEqual(v.manifest.labels, ['Close', 'Open', 'Pointer'], 'no BOM or CR left in the class names');
  assert.deepEqual(v.manifest.classCounts, { Open: 1522, Close: 1572, Pointer: 1356 });
  assert.equal(v.manifest.coordinates.space, 'hand');
  const ds = await openDataset('kazuhito', { store });
  const s = await ds.sample(0);
  const firstRow = (await readFile(fixture('kazuhito-hand-gesture', 'keypoint.csv'), 'utf8')).split(/\r?\n/)[0]?.split(',').map(Number) ?? [];
  assert.equal(s.frames, 1);
  assert.deepEqual([s.data[0], s.data[1], s.data[3]], [0, 0, 1], 'wrist at the origin');
  assert.ok(Math.abs((s.data[4 * 5] ?? 0) - (firstRow[1 + 10] ?? 0)) < 1e-6, 'point 5 x');
  const arrays = await ds.toArrays({ channels: ['x', 'y'] });
  assert.deepEqual(arrays.shape, [4450, 1, 42]);
});

test('keypoint CSV: short rows, non-numbers and unknown classes are counted and skipped', async () => {
  await using dir = await tempDir();
  await copyFile(fixture('kazuhito-hand-gesture', 'keypoint_classifier_label.csv'), join(dir.path, 'keypoint_classifier_label.csv'));
  const good = `1,${Array.from({ length: 42 }, (_, i) => (i / 50).toFixed(3)).join(',')}`;
  await writeFile(join(dir.path, 'keypoint.csv'), [good, '0,0.1,0.2', good.replace('0.100', 'abc'), good.replace(/^1/, '7'), good.replace('0.100', 'NaN')].join('\r\n') + '\r\n');
  const store = DatasetStore.local(join(dir.path, 'data'));
  const v = await importSource(await openKeypointCsv(join(dir.path, 'keypoint.csv')), { store, name: 'k' });
  assert.equal(v.manifest.sampleCount, 1);
  assert.deepEqual(v.manifest.quality.skipped, { 'wrong-columns': 1, 'not-a-number': 2, 'unknown-class': 1 });
  assert.match(v.manifest.quality.skippedItems[0]?.item ?? '', /keypoint\.csv:2$/);
});
