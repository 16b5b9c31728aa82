import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { requireTool } from '@signflow/stack';
import { tempDir } from '@signflow/testkit';
import { spawnSync } from 'node:child_process';
import { repoRoot } from '@signflow/stack';
import { calibrateFromImages, CalibrationError, loadRig } from '../src/index.js';

type Vec3 = [number, number, number];

function rodrigues(r: Vec3): number[] {
  const theta = Math.hypot(...r);
  if (theta < 1e-12) return [1, 0, 0, 0, 1, 0, 0, 0, 1];
  const [x, y, z] = r.map((v) => v / theta) as Vec3;
  const c = Math.cos(theta);
  const s = Math.sin(theta);
  const C = 1 - c;
  return [c + x * x * C, x * y * C - z * s, x * z * C + y * s, y * x * C + z * s, c + y * y * C, y * z * C - x * s, z * x * C - y * s, z * y * C + x * s, c + z * z * C];
}

const K = { fx: 420, fy: 415, cx: 166, cy: 118 };
const BOARD = { cols: 7, rows: 5, squareSize: 0.03 };
const W = 320;
const H = 240;

/**
 * Renders a checkerboard seen by a pinhole camera with intrinsics K at pose (r, t), 3x3
 * supersampled, as a binary PGM: board squares black/white, a white margin, gray background.
 */
function renderBoard(r: Vec3, t: Vec3): Buffer {
  const R = rodrigues(r);
  const n: Vec3 = [R[2] ?? 0, R[5] ?? 0, R[8] ?? 0];
  const nt = n[0] * t[0] + n[1] * t[1] + n[2] * t[2];
  const sq = BOARD.squareSize;
  const pixels = Buffer.alloc(W * H);
  for (let v = 0; v < H; v++) {
    for (let u = 0; u < W; u++) {
      let sum = 0;
      for (let sy = 0; sy < 3; sy++) {
        for (let sx = 0; sx < 3; sx++) {
          const d: Vec3 = [(u + (sx + 0.5) / 3 - 0.5 - K.cx) / K.fx, (v + (sy + 0.5) / 3 - 0.5 - K.cy) / K.fy, 1];
          const s = nt / (n[0] * d[0] + n[1] * d[1] + n[2] * d[2]);
          const p: Vec3 = [s * d[0] - t[0], s * d[1] - t[1], s * d[2] - t[2]];
          const bx = (R[0] ?? 0) * p[0] + (R[3] ?? 0) * p[1] + (R[6] ?? 0) * p[2];
          const by = (R[1] ?? 0) * p[0] + (R[4] ?? 0) * p[1] + (R[7] ?? 0) * p[2];
          let value = 110;
          if (bx >= -1.5 * sq && bx <= (BOARD.cols + 0.5) * sq && by >= -1.5 * sq && by <= (BOARD.rows + 0.5) * sq) {
            value = 235;
            if (bx >= -sq && bx <= BOARD.cols * sq && by >= -sq && by <= BOARD.rows * sq) {
              value = (Math.floor(bx / sq) + Math.floor(by / sq)) % 2 === 0 ? 20 : 235;
            }
          }
          sum += value;
        }
      }
      pixels[v * W + u] = Math.round(sum / 9);
    }
  }
  return Buffer.concat([Buffer.from(`P5\n${W} ${H}\n255\n`), pixels]);
}

const centre: Vec3 = [-((BOARD.cols - 1) * BOARD.squareSize) / 2, -((BOARD.rows - 1) * BOARD.squareSize) / 2, 0];
function poseAt(r: Vec3, distance: number, shift: [number, number] = [0, 0]): [Vec3, Vec3] {
  // Put the board centre on the optical axis (plus a shift) at `distance`.
  const R = rodrigues(r);
  const c: Vec3 = [(R[0] ?? 0) * centre[0] + (R[1] ?? 0) * centre[1], (R[3] ?? 0) * centre[0] + (R[4] ?? 0) * centre[1], (R[6] ?? 0) * centre[0] + (R[7] ?? 0) * centre[1]];
  return [r, [c[0] + shift[0], c[1] + shift[1], c[2] + distance]];
}

test('calibrate recovers known intrinsics from synthetic checkerboard captures', { timeout: 120_000 }, async () => {
  await using dir = await tempDir();
  const poses = [
    poseAt([0.0, 0.0, 0.05], 0.55),
    poseAt([0.35, 0.0, 0.0], 0.6, [0.02, 0]),
    poseAt([0.0, 0.4, -0.1], 0.6, [0, 0.01]),
    poseAt([-0.3, 0.25, 0.15], 0.65, [-0.02, 0.01]),
    poseAt([0.25, -0.35, 0.0], 0.6),
    poseAt([-0.2, -0.3, -0.2], 0.55, [0.01, -0.01]),
  ];
  const files = poses.map(([r, t], i) => {
    const file = join(dir.path, `view${i}.pgm`);
    writeFileSync(file, renderBoard(r, t));
    return file;
  });
  const blank = join(dir.path, 'blank.pgm');
  writeFileSync(blank, Buffer.concat([Buffer.from(`P5\n${W} ${H}\n255\n`), Buffer.alloc(W * H, 128)]));

  const result = await calibrateFromImages(requireTool('ffmpeg').path, [...files, blank], BOARD);
  assert.deepEqual(result.imageSize, { width: W, height: H });
  assert.equal(result.usedImages.length, files.length);
  assert.equal(result.rejectedImages[0]?.file, blank, 'a capture without a board is skipped, with the reason');
  assert.match(result.rejectedImages[0]?.reason ?? '', /corner/);
  assert.ok(result.rms < 0.3, `re-projection error ${result.rms} px`);
  const { fx, fy, cx, cy } = result.intrinsics;
  assert.ok(Math.abs(fx - K.fx) / K.fx < 0.02, `fx ${fx} vs ${K.fx}`);
  assert.ok(Math.abs(fy - K.fy) / K.fy < 0.02, `fy ${fy} vs ${K.fy}`);
  assert.ok(Math.abs(cx - K.cx) < 4, `cx ${cx} vs ${K.cx}`);
  assert.ok(Math.abs(cy - K.cy) < 4, `cy ${cy} vs ${K.cy}`);
  const t0 = poses[0]?.[1] ?? [0, 0, 0];

  // The CLI writes the result into the rig file, keeping its comments, and bumps the version.
  const rigFile = join(dir.path, 'rig.yaml');
  writeFileSync(rigFile, '# booth rig\nid: booth1\ncameras:\n  - id: hands # over the table\n    role: hands\n    source: { kind: testsrc }\n    resolution: 320x240\n    fps: 30\n');
  const cli = spawnSync(process.execPath, [join(repoRoot, 'cli', 'bin', 'signflow.js'), 'camera', 'calibrate', '--rig', rigFile, '--camera', 'hands', '--board', '7x5', '--square', '0.03', ...files], { encoding: 'utf8' });
  assert.equal(cli.status, 0, cli.stderr);
  assert.match(cli.stdout, /calibration version 1 written/);
  const rig = loadRig(rigFile);
  assert.ok(Math.abs((rig.cameras[0]?.calibration?.intrinsics.fx ?? 0) - K.fx) / K.fx < 0.02);
  assert.match(readFileSync(rigFile, 'utf8'), /# over the table/);
  assert.ok(Math.abs(Math.hypot(...result.extrinsics.translation) - Math.hypot(...t0)) < 0.02, 'the first capture\'s board pose is the rig frame');
});

test('calibrate refuses when the board is in too few captures', { timeout: 60_000 }, async () => {
  await using dir = await tempDir();
  const blank = join(dir.path, 'blank.pgm');
  writeFileSync(blank, Buffer.concat([Buffer.from(`P5\n${W} ${H}\n255\n`), Buffer.alloc(W * H, 128)]));
  await assert.rejects(calibrateFromImages(requireTool('ffmpeg').path, [blank, join(dir.path, 'missing.png')], BOARD), (err: unknown) => {
    assert.ok(err instanceof CalibrationError);
    assert.match(err.message, /at least 3 captures, found it in 0/);
    assert.match(err.message, /missing\.png: cannot read/);
    return true;
  });
});
