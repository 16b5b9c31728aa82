import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readFile, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { tempDir, fixture } from '@signflow/testkit';
import { parseNpy } from '../src/importers/npy.js';

const BIN = resolve(import.meta.dirname, '..', '..', 'cli', 'bin', 'signflow.js');

function signflow(dataDir: string, ...args: string[]): { code: number; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, [BIN, ...args], { encoding: 'utf8', env: { ...process.env, SIGNFLOW_DATA_DIR: dataDir }, timeout: 120_000 });
  return { code: r.status ?? -1, stdout: r.stdout, stderr: r.stderr };
}

test('signflow dataset import → ls → show → split → export, as a user types them', async () => {
  await using dir = await tempDir();
  const imp = signflow(dir.path, 'dataset', 'import', 'pose', fixture('pose-format', 'hand_estimation'), '--name', 'hands', '--gloss-from', 'file');
  assert.equal(imp.code, 0, imp.stderr);
  assert.match(imp.stdout, /hands @ [0-9a-f]{64}\n3 samples, 70 frames, 3 classes/);

  const ls = signflow(dir.path, '--json', 'dataset', 'ls');
  const rows = JSON.parse(ls.stdout) as { name: string; id: string; samples: number }[];
  assert.deepEqual(rows.map((r) => [r.name, r.samples]), [['hands', 3]]);

  const show = signflow(dir.path, 'dataset', 'show', 'hands');
  assert.equal(show.code, 0, show.stderr);
  assert.match(show.stdout, /class counts/);
  assert.match(show.stdout, /6fb01565da31c5500d1ef2cd2906b06b\s*│ 1/);
  assert.match(show.stdout, /signer counts/);
  assert.match(show.stdout, /\(none\)\s*│ 3/);

  const bad = signflow(dir.path, 'dataset', 'split', 'hands', '--k', '5');
  assert.equal(bad.code, 1);
  assert.match(bad.stderr, /\[DATASET_SPLIT\]: 3 samples for 5 folds: lower --k/, "no signer ids: stratified, and too few samples");
  const split = signflow(dir.path, '--json', 'dataset', 'split', 'hands', '--k', '3', '--seed', '1');
  assert.equal(split.code, 0, split.stderr);
  assert.deepEqual((JSON.parse(split.stdout) as { split: { foldSizes: number[] } }).split.foldSizes, [1, 1, 1]);

  const out = join(dir.path, 'export');
  const exp = signflow(dir.path, 'dataset', 'export', 'hands', '--out', out, '--frames', '8', '--components', 'left_hand,right_hand');
  assert.equal(exp.code, 0, exp.stderr);
  const x = parseNpy(await readFile(join(out, 'x.npy')), 'x.npy');
  assert.deepEqual(x.shape, [3, 8, 42 * 4]);
  assert.match(await readFile(join(out, 'samples.csv'), 'utf8'), /^id,gloss,label,signer,fold\n/);

  const missing = signflow(dir.path, 'dataset', 'show', 'nope');
  assert.equal(missing.code, 1);
  assert.match(missing.stderr, /dataset nope: no such dataset or version/);
});

test('signflow dataset import of a corrupt source names the file (--strict) or counts it', async () => {
  await using dir = await tempDir();
  const csv = join(dir.path, 'keypoint.csv');
  await writeFile(csv, `0,${new Array(42).fill('0.5').join(',')}\n1,0.1,oops\n`);
  const labels = fixture('kazuhito-hand-gesture', 'keypoint_classifier_label.csv');
  const counted = signflow(dir.path, 'dataset', 'import', 'keypoint-csv', csv, '--labels', labels, '--name', 'k');
  assert.equal(counted.code, 0, counted.stderr);
  assert.match(counted.stdout, /1 samples.*skipped: 1 wrong-columns/);
  const strict = signflow(dir.path, 'dataset', 'import', 'keypoint-csv', csv, '--labels', labels, '--name', 'k', '--strict');
  assert.equal(strict.code, 1);
  assert.match(strict.stderr, /keypoint\.csv:2: wrong-columns: 3 columns, expected 43/);
});
