import { test } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { MAX_MESSAGE_BYTES, ValidationError } from '@signflow/core';
import { tempDir } from '@signflow/testkit';
import { loadRig, maxJpegBytes, qscaleForQuality, RigConfigError } from '../src/index.js';

const GOOD = `
id: booth-1
cameras:
  - id: hands
    role: hands
    source: { kind: v4l2, device: /dev/video0 }
    resolution: 640x480
    fps: 30
    jpegQuality: 80
    calibration:
      version: 3
      intrinsics: { fx: 500, fy: 500, cx: 320, cy: 240, distortion: [0.1, -0.05, 0, 0, 0] }
      extrinsics: { rotation: [0, 0.1, 0], translation: [0.2, 0, 0] }
  - id: body
    role: body
    source: { kind: rtsp, url: "rtsp://10.0.0.5/stream1", timeout: 3s }
    resolution: { width: 1280, height: 720 }
    fps: 25
    jpegQuality: 50
stream: { maxAge: 30m, maxBytes: 1GB }
buffer: { maxFrames: 120, diskDir: /var/tmp/signflow-spill }
`;

async function writeRig(text: string): Promise<{ path: string; [Symbol.asyncDispose](): Promise<void> }> {
  const dir = await tempDir();
  const path = join(dir.path, 'rig.yaml');
  writeFileSync(path, text);
  return { path, [Symbol.asyncDispose]: () => dir[Symbol.asyncDispose]() };
}

test('a valid rig.yaml parses with units, defaults and calibration', async () => {
  await using file = await writeRig(GOOD);
  const rig = loadRig(file.path);
  assert.equal(rig.id, 'booth-1');
  assert.equal(rig.cameras.length, 2);
  assert.deepEqual(rig.cameras[0]?.resolution, { width: 640, height: 480 });
  assert.equal(rig.cameras[0]?.calibration?.version, '3');
  assert.deepEqual(rig.cameras[0]?.calibration?.extrinsics.translation, [0.2, 0, 0]);
  assert.deepEqual(rig.cameras[1]?.source, { kind: 'rtsp', url: 'rtsp://10.0.0.5/stream1', timeout: 3000, transport: 'tcp' });
  assert.equal(rig.stream.maxAge, 30 * 60_000);
  assert.equal(rig.stream.maxBytes, 1024 ** 3);
  assert.equal(rig.stream.duplicateWindow, 120_000);
  assert.equal(rig.buffer.maxFrames, 120);
  assert.equal(rig.buffer.maxBytes, 64 * 1024 ** 2);
  assert.equal(rig.bundle.tolerance, 20);
});

test('garbage in rig.yaml names the file and the bad field path', async () => {
  await using notYaml = await writeRig('id: [unclosed\ncameras: {');
  assert.throws(() => loadRig(notYaml.path), (err: unknown) => err instanceof RigConfigError && /not valid YAML at line/.test(err.message));

  await using scalar = await writeRig('just a string');
  assert.throws(() => loadRig(scalar.path), (err: unknown) => err instanceof RigConfigError && /expected a mapping with id and cameras/.test(err.message));

  await using badField = await writeRig(GOOD.replace('fps: 25', 'fps: 500').replace('640x480', '640x481').replace('kind: v4l2', 'kind: usb'));
  assert.throws(
    () => loadRig(badField.path),
    (err: unknown) => {
      assert.ok(err instanceof ValidationError);
      assert.match(err.message, /cameras\[1\]\.fps: .*120/);
      assert.match(err.message, /cameras\[0\]\.source\.kind/);
      return true;
    },
  );

  await using dup = await writeRig(GOOD.replace('id: body', 'id: hands'));
  assert.throws(() => loadRig(dup.path), /cameras\[1\]\.id: duplicate camera id hands/);

  await using odd = await writeRig(GOOD.replace('640x480', '641x480'));
  assert.throws(() => loadRig(odd.path), /cameras\[0\]\.resolution: width and height must be even/);

  await using badId = await writeRig(GOOD.replace('id: booth-1', 'id: "booth.1"'));
  assert.throws(() => loadRig(badId.path), /id: .*subject token/);

  assert.throws(() => loadRig('/nonexistent/rig.yaml'), (err: unknown) => err instanceof RigConfigError && /cannot read rig file \/nonexistent\/rig\.yaml/.test(err.message));
});

test('a camera whose worst-case JPEG exceeds the message limit is refused with the computed size', async () => {
  await using file = await writeRig(GOOD.replace('jpegQuality: 50', 'jpegQuality: 95'));
  const size = maxJpegBytes(1280, 720, 95);
  assert.ok(size > MAX_MESSAGE_BYTES);
  assert.throws(
    () => loadRig(file.path),
    (err: unknown) => {
      assert.ok(err instanceof RigConfigError);
      assert.match(err.message, new RegExp(`cameras\\[1\\] \\(body\\): 1280x720 at jpegQuality 95 can reach ${size} bytes`));
      assert.match(err.message, new RegExp(`above the ${MAX_MESSAGE_BYTES}-byte`));
      assert.match(err.message, /lower jpegQuality to \d+ or below/);
      return true;
    },
  );
});

test('quality maps to ffmpeg qscale monotonically and the worst case shrinks with quality', () => {
  assert.equal(qscaleForQuality(100), 2);
  assert.equal(qscaleForQuality(50), 8);
  assert.equal(qscaleForQuality(1), 31);
  for (let q = 2; q <= 100; q++) assert.ok(qscaleForQuality(q) <= qscaleForQuality(q - 1));
  assert.ok(maxJpegBytes(640, 480, 90) > maxJpegBytes(640, 480, 30));
});
