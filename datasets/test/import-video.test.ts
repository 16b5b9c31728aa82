import { test } from 'node:test';
import assert from 'node:assert/strict';
import { copyFile, mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { createDetector } from '@signflow/landmarks';
import { tempDir, fixture } from '@signflow/testkit';
import { DatasetStore, openDataset, FUSED_POINTS } from '../src/index.js';
import { importSource } from '../src/importers/common.js';
import { openVideos } from '../src/importers/video.js';

test('video import through the landmark extractor (test-double detector): one sample per clip; truncated and bogus videos are counted and skipped', async () => {
  await using dir = await tempDir();
  const root = join(dir.path, 'videos');
  await mkdir(join(root, 'doctor'), { recursive: true });
  await mkdir(join(root, 'yo'), { recursive: true });
  await copyFile(fixture('msl150', 'original_source', 'doctor_001.mp4'), join(root, 'doctor', 'a.mp4'));
  await copyFile(fixture('msl150', 'original_source', 'yo_001.mp4'), join(root, 'yo', 'a.mp4'));
  const full = await readFile(fixture('msl150', 'original_source', 'hoy_001.mp4'));
  await writeFile(join(root, 'yo', 'truncated.mp4'), full.subarray(0, Math.floor(full.length / 3)));
  await writeFile(join(root, 'yo', 'bogus.mp4'), 'not a video');
  // A detector that sees one right hand moving across, and no pose.
  const detector = await createDetector('static', {
    respond: (_img, t) => ({
      hands: [{ handedness: 'right', handednessScore: 0.9, score: 0.8, landmarks: Array.from({ length: 21 }, (_, i) => ({ x: 100 + t / 10 + i, y: 200 + i, z: 0 })), worldLandmarks: Array.from({ length: 21 }, () => ({ x: 0, y: 0, z: 0 })) }],
      pose: null,
    }),
  });
  const store = DatasetStore.local(join(dir.path, 'data'));
  const v = await importSource(await openVideos(root, { detector, width: 320 }), { store, name: 'videos' });
  assert.deepEqual(v.manifest.classCounts, { doctor: 1, yo: 1 });
  assert.deepEqual(v.manifest.quality.skipped, { 'corrupt-video': 2 });
  assert.match(v.manifest.quality.skippedItems.map((s) => s.detail).join('\n'), /truncated\.mp4/);
  assert.equal(v.manifest.coordinates.space, 'pixels');
  assert.equal(v.manifest.coordinates.width, 320);
  const ds = await openDataset('videos', { store });
  const s = await ds.sample(0);
  assert.equal(s.frames, 62, 'doctor_001.mp4 has 62 frames');
  assert.ok(Math.abs(s.fps - 29.97) < 0.05);
  const rightWrist = (10 * FUSED_POINTS + 33 + 21) * 4;
  assert.equal(s.data[rightWrist + 3], Math.fround(0.8));
  assert.equal(s.data[(10 * FUSED_POINTS + 33) * 4 + 3], 0, 'no left hand');
  await detector.close();
});

test('video import with the real MediaPipe extractor finds the signer and both hands in an MSL-150 clip', async () => {
  await using dir = await tempDir();
  const store = DatasetStore.local(dir.path);
  const v = await importSource(await openVideos(fixture('msl150', 'original_source', 'doctor_001.mp4'), { gloss: 'doctor', width: 640, maxFrames: 20 }), { store, name: 'real' });
  const s = await (await openDataset(v.id, { store })).sample(0);
  assert.equal(s.frames, 20);
  let pose = 0;
  let hands = 0;
  for (let f = 0; f < 20; f++) {
    if ((s.data[(f * FUSED_POINTS + 11) * 4 + 3] ?? 0) > 0) pose++;
    if ((s.data[(f * FUSED_POINTS + 33) * 4 + 3] ?? 0) > 0 || (s.data[(f * FUSED_POINTS + 54) * 4 + 3] ?? 0) > 0) hands++;
  }
  assert.ok(pose >= 18, `pose in ${pose}/20 frames`);
  assert.ok(hands >= 10, `a hand in ${hands}/20 frames`);
});
