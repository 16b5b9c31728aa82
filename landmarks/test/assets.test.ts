import { test } from 'node:test';
import assert from 'node:assert/strict';
import { extractPackedFile, isTflite, loadModelFile, MODEL_ASSETS, parsePackedAssetsLoader, type ModelRole } from '../src/mediapipe/assets.ts';
import { anatomicalHandedness } from '../src/mediapipe/hands.ts';
import { outputGeometry } from '../src/video.ts';

void test('packed assets: the loader file table is parsed and files are cut out of the data file', () => {
  const loader = `var x=1;loadPackage({"files": [{"filename": "/a/one.txt", "start": 0, "end": 3}, {"filename": "/b/two.bin", "start": 3, "end": 8}], "remote_package_size": 8});`;
  const files = parsePackedAssetsLoader(loader);
  assert.deepEqual(
    files.map((f) => f.filename),
    ['/a/one.txt', '/b/two.bin'],
  );
  const data = new TextEncoder().encode('abcdefgh');
  assert.equal(new TextDecoder().decode(extractPackedFile(data, files, '/b/two.bin')), 'defgh');
  assert.throws(() => extractPackedFile(data, files, '/c/none'), /not in the packed assets/);
  assert.throws(() => extractPackedFile(data.subarray(0, 5), files, '/b/two.bin'), /outside the 5-byte data file/);
  assert.throws(() => parsePackedAssetsLoader('nothing here'), /no loadPackage/);
});

void test('every pinned model loads from its npm package with the pinned sha256', () => {
  for (const role of Object.keys(MODEL_ASSETS) as ModelRole[]) {
    const file = loadModelFile(role);
    assert.ok(isTflite(file.bytes), role);
    assert.match(file.source, /^@mediapipe\/(hands|pose|face_mesh)@0\.\d+\.\d+\/\w+\.tflite$/);
  }
  assert.equal(isTflite(new Uint8Array(16)), false);
});

void test('handedness convention: the model labels mirrored images; we report the anatomical hand', () => {
  // Raw score = the model's probability of "Left" as seen in a selfie (mirrored) view.
  assert.deepEqual(anatomicalHandedness(0.9, false), { handedness: 'right', score: 0.9 });
  assert.deepEqual(anatomicalHandedness(0.1, false).handedness, 'left');
  close(anatomicalHandedness(0.1, false).score, 0.9);
  assert.deepEqual(anatomicalHandedness(0.9, true).handedness, 'left');
  assert.deepEqual(anatomicalHandedness(0.2, true).handedness, 'right');
});

function close(a: number, b: number): void {
  assert.ok(Math.abs(a - b) < 1e-9, `${a} != ${b}`);
}

void test('video output geometry: keep, stretch, pad, or keep the aspect ratio from one side', () => {
  const info = { width: 620, height: 1080 };
  assert.deepEqual(outputGeometry(info, {}), { width: 620, height: 1080 });
  assert.equal(outputGeometry(info, { width: 640, height: 480 }).filter, 'scale=640:480,setsar=1');
  assert.match(outputGeometry(info, { width: 640, height: 480, fit: 'pad' }).filter ?? '', /force_original_aspect_ratio=decrease,pad=640:480/);
  assert.deepEqual(outputGeometry(info, { height: 540 }), { width: 310, height: 540, filter: 'scale=310:540,setsar=1' });
  assert.throws(() => outputGeometry(info, { width: 0 }), /width must be an integer/);
});
