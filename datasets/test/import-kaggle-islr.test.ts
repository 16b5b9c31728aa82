import { test } from 'node:test';
import assert from 'node:assert/strict';
import { writeFile, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { tempDir } from '@signflow/testkit';
import { DatasetStore, HOLISTIC_543, componentOffsets, openDataset, DatasetInputError } from '../src/index.js';
import { importSource } from '../src/importers/common.js';
import { openKaggleIslr, parseIslrParquet } from '../src/importers/kaggle-islr.js';
import { islrValue, writeIslr, islrParquet } from './helpers/islr.js';

test('Kaggle ISLR: parquet sequences land frame by frame in the Holistic-543 layout, NaN as not detected', async () => {
  await using dir = await tempDir();
  const root = join(dir.path, 'asl-signs');
  await writeIslr(join(root, 'train_landmark_files/26734/1000035562.parquet'), { frames: 5, noLeftHand: true });
  await writeIslr(join(root, 'train_landmark_files/28656/1000106739.parquet'), { frames: 3, seed: 1 });
  await writeIslr(join(root, 'train_landmark_files/16069/100015657.parquet'), { frames: 4, seed: 2 });
  await writeFile(
    join(root, 'train.csv'),
    'path,participant_id,sequence_id,sign\n' +
      'train_landmark_files/26734/1000035562.parquet,26734,1000035562,blow\n' +
      'train_landmark_files/28656/1000106739.parquet,28656,1000106739,wait\n' +
      'train_landmark_files/16069/100015657.parquet,16069,100015657,cloud\n',
  );
  const store = DatasetStore.local(join(dir.path, 'data'));
  const v = await importSource(await openKaggleIslr(root), { store, name: 'islr' });
  assert.equal(v.manifest.sampleCount, 3);
  assert.deepEqual(v.manifest.classCounts, { blow: 1, cloud: 1, wait: 1 });
  assert.deepEqual(v.manifest.signerCounts, { '16069': 1, '26734': 1, '28656': 1 });
  assert.equal(v.manifest.layout.id, 'mediapipe-holistic-543');
  assert.equal(v.manifest.frameCount, 12);

  const ds = await openDataset('islr', { store });
  const s = await ds.sample(0);
  assert.equal(s.id, '1000035562');
  assert.equal(s.frames, 5);
  const off = componentOffsets(HOLISTIC_543);
  const pose = off.get('pose')?.start ?? -1;
  const left = off.get('left_hand')?.start ?? -1;
  const rightHand = off.get('right_hand')?.start ?? -1;
  // frame 2, pose landmark 11 (left shoulder): part index 2 in the file order
  const o = (2 * 543 + pose + 11) * 4;
  assert.ok(Math.abs((s.data[o] ?? 0) - islrValue(2, 2, 11, 0)) < 1e-6);
  assert.ok(Math.abs((s.data[o + 2] ?? 0) - islrValue(2, 2, 11, 2)) < 1e-6);
  assert.equal(s.data[o + 3], 1);
  // the left hand was NaN: visibility 0 and zeros
  assert.deepEqual(Array.from(s.data.subarray((2 * 543 + left + 3) * 4, (2 * 543 + left + 4) * 4)), [0, 0, 0, 0]);
  const r = (4 * 543 + rightHand + 20) * 4;
  assert.ok(Math.abs((s.data[r + 1] ?? 0) - islrValue(4, 3, 20, 1)) < 1e-6);
});

test('Kaggle ISLR: corrupt, truncated, wrong-shape, all-NaN and missing files are counted and skipped, naming the file', async () => {
  await using dir = await tempDir();
  const root = join(dir.path, 'asl-signs');
  await writeIslr(join(root, 'f/good.parquet'), { frames: 2 });
  await writeIslr(join(root, 'f/short.parquet'), { frames: 2, dropRows: 5 });
  await writeIslr(join(root, 'f/nan.parquet'), { frames: 2, allNaN: true });
  await writeIslr(join(root, 'f/badtype.parquet'), { frames: 1, poseTypeName: 'body' });
  const good = islrParquet({ frames: 3 });
  await writeFile(join(root, 'f/truncated.parquet'), good.subarray(0, Math.floor(good.length * 0.6)));
  const flipped = Uint8Array.from(good);
  flipped.fill(0x7f, 4, 400); // data pages overwritten, footer intact
  await writeFile(join(root, 'f/garbled.parquet'), flipped);
  await writeFile(join(root, 'f/text.parquet'), 'this is not parquet');
  const rows = ['good', 'short', 'nan', 'badtype', 'truncated', 'garbled', 'text', 'absent'];
  await writeFile(join(root, 'train.csv'), 'path,participant_id,sequence_id,sign\n' + rows.map((r, i) => `f/${r}.parquet,1,${i},hello`).join('\n') + '\n');
  const store = DatasetStore.local(join(dir.path, 'data'));
  const v = await importSource(await openKaggleIslr(join(root, 'train.csv')), { store, name: 'islr-bad' });
  assert.equal(v.manifest.sampleCount, 1, 'only the good file is a sample');
  assert.equal(v.skipped, 7);
  const q = v.manifest.quality;
  assert.equal(q.skipped['no-landmarks'], 1);
  assert.equal(q.skipped['unreadable'], 1);
  assert.equal((q.skipped['corrupt-parquet'] ?? 0), 5);
  const byItem = new Map(q.skippedItems.map((s) => [s.item.split('/').pop(), s.detail ?? '']));
  assert.match(byItem.get('short.parquet') ?? '', /short\.parquet: .*not a whole number of frames of 543/);
  assert.match(byItem.get('badtype.parquet') ?? '', /unknown landmark type "body"/);
  assert.match(byItem.get('text.parquet') ?? '', /text\.parquet: not a readable parquet file/);
  assert.match(byItem.get('truncated.parquet') ?? '', /truncated\.parquet: /);

  // strict mode stops at the first bad file with an error naming it
  const strictStore = DatasetStore.local(join(dir.path, 'strict'));
  await assert.rejects(importSource(await openKaggleIslr(root), { store: strictStore, name: 'x', strict: true }), (e: unknown) => e instanceof DatasetInputError && /short\.parquet/.test(e.message));
  await assert.rejects(parseIslrParquet(await readFile(join(root, 'f/garbled.parquet')), 'garbled.parquet'), DatasetInputError);
});
