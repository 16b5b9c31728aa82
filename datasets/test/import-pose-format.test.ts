import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFile, writeFile, mkdir, copyFile } from 'node:fs/promises';
import { join } from 'node:path';
import { tempDir, fixture } from '@signflow/testkit';
import { DatasetStore, openDataset, findPoint, LEFT_SHOULDER, DatasetInputError } from '../src/index.js';
import { importSource } from '../src/importers/common.js';
import { parsePoseFile } from '../src/importers/pose-file.js';
import { openPoseFormat } from '../src/importers/pose-format.js';

const FILES: [string, number, number, number, number][] = [
  // file, version, frames, fps, points
  ['mediapipe.pose', 0.1, 170, 24, 178],
  ['mediapipe_hand_normalized.pose', 0.1, 170, 24, 21],
  ['openpose.pose', 0, 93, 24, 137],
  ['example.pose', 0.1, 66, 24, 137],
  ['hand_estimation/6fb01565da31c5500d1ef2cd2906b06b.pose', 0.2, 5, 25, 586],
  ['hand_estimation/7731febd6afbbe90f806a4434c282016.pose', 0.2, 18, 25, 586],
  ['hand_estimation/84322c38ff23406f222641da30d0a49b.pose', 0.2, 47, 25, 586],
];

test('.pose parser reads every fixture (v0.0, v0.1, v0.2) to its last byte', async () => {
  for (const [name, version, frames, fps, points] of FILES) {
    const file = fixture('pose-format', ...name.split('/'));
    const pose = parsePoseFile(await readFile(file), file);
    assert.equal(pose.version, version, name);
    assert.equal(pose.frames, frames, name);
    assert.equal(pose.fps, fps, name);
    assert.equal(pose.people, 1, name);
    assert.equal(pose.components.reduce((n, c) => n + c.points.length, 0), points, name);
    assert.equal(pose.data.length, frames * points * pose.dims, name);
  }
});

test('.pose import: every fixture becomes a sample with its own layout; names allow the shoulder lookup', async () => {
  await using dir = await tempDir();
  const store = DatasetStore.local(dir.path);
  for (const [name, , frames, fps, points] of FILES) {
    const v = await importSource(await openPoseFormat(fixture('pose-format', ...name.split('/')), { gloss: 'test' }), { store, name: 'pose' });
    assert.equal(v.manifest.sampleCount, 1, name);
    assert.equal(v.manifest.frameCount, frames, name);
    assert.equal(v.manifest.fps.min, fps, name);
    assert.equal(v.manifest.layout.components.reduce((n, c) => n + c.points, 0), points, name);
  }
  const mp = await importSource(await openPoseFormat(fixture('pose-format', 'mediapipe.pose'), { gloss: 'x' }), { store, name: 'mp' });
  assert.deepEqual(mp.manifest.layout.components.map((c) => c.name), ['pose', 'face', 'left_hand', 'right_hand']);
  assert.equal(mp.manifest.coordinates.space, 'pixels');
  assert.equal(mp.manifest.coordinates.width, 1250);
  assert.ok(findPoint(mp.manifest.layout, LEFT_SHOULDER) !== undefined);
  const op = await importSource(await openPoseFormat(fixture('pose-format', 'openpose.pose'), { gloss: 'x' }), { store, name: 'op' });
  assert.equal(findPoint(op.manifest.layout, LEFT_SHOULDER), 5, 'OpenPose LShoulder');
  assert.equal(op.manifest.layout.components[0]?.dims, 2);
  // the hand-normalised file holds NaN where the hand is missing: those become visibility 0
  const hn = await importSource(await openPoseFormat(fixture('pose-format', 'mediapipe_hand_normalized.pose'), { gloss: 'x' }), { store, name: 'hn' });
  const s = await (await openDataset(hn.id, { store })).sample(0);
  assert.ok(s.data.every((v) => Number.isFinite(v)));
});

test('.pose import of a folder: labels from the folder name, other layouts and truncated files skipped and counted', async () => {
  await using dir = await tempDir();
  const root = join(dir.path, 'poses');
  await mkdir(join(root, 'hello'), { recursive: true });
  await mkdir(join(root, 'thanks'), { recursive: true });
  for (const id of ['6fb01565da31c5500d1ef2cd2906b06b', '7731febd6afbbe90f806a4434c282016']) {
    await copyFile(fixture('pose-format', 'hand_estimation', `${id}.pose`), join(root, 'hello', `${id}.pose`));
  }
  await copyFile(fixture('pose-format', 'hand_estimation', '84322c38ff23406f222641da30d0a49b.pose'), join(root, 'thanks', 'a.pose'));
  await copyFile(fixture('pose-format', 'openpose.pose'), join(root, 'thanks', 'openpose.pose'));
  const full = await readFile(fixture('pose-format', 'hand_estimation', '84322c38ff23406f222641da30d0a49b.pose'));
  await writeFile(join(root, 'thanks', 'truncated.pose'), full.subarray(0, full.length - 100));
  const store = DatasetStore.local(join(dir.path, 'data'));
  const v = await importSource(await openPoseFormat(root), { store, name: 'folder' });
  assert.deepEqual(v.manifest.classCounts, { hello: 2, thanks: 1 });
  assert.deepEqual(v.manifest.quality.skipped, { 'layout-mismatch': 1, 'corrupt-pose': 1 });
  assert.match(v.manifest.quality.skippedItems.find((s) => s.reason === 'corrupt-pose')?.detail ?? '', /truncated\.pose: truncated \.pose file: confidence needs/);
  assert.throws(() => parsePoseFile(new Uint8Array([1, 2, 3]), 'x.pose'), (e: unknown) => e instanceof DatasetInputError && /x\.pose: truncated/.test(e.message));
});
