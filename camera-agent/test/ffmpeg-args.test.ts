import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { requireTool } from '@signflow/stack';
import { ffmpegPlan, parseRig, type CameraConfig } from '../src/index.js';
import { explainFfmpegFailure } from '../src/source/ffmpeg-errors.js';
import { checkRawVideoFile, parsePixelFormats, rawFrameBytes } from '../src/source/raw-video.js';

function cameraWith(source: Record<string, unknown>): CameraConfig {
  const rig = parseRig({ id: 'r', cameras: [{ id: 'c', role: 'body', source, resolution: '640x480', fps: 30 }] });
  const camera = rig.cameras[0];
  assert.ok(camera);
  return camera;
}

/** The args before the filter graph: how ffmpeg opens the source. */
function inputArgs(camera: CameraConfig): string[] {
  const args = ffmpegPlan(camera).args;
  return args.slice(args.indexOf('info') + 1, args.indexOf('-filter_complex'));
}

test('v4l2 (not runnable here: no device, no v4l2loopback module): size, rate and input_format go to the device', () => {
  assert.deepEqual(inputArgs(cameraWith({ kind: 'v4l2', device: '/dev/video2', inputFormat: 'mjpeg' })), [
    '-f', 'v4l2', '-framerate', '30', '-video_size', '640x480', '-input_format', 'mjpeg', '-i', '/dev/video2',
  ]);
  assert.deepEqual(inputArgs(cameraWith({ kind: 'v4l2', device: '/dev/video0' })), ['-f', 'v4l2', '-framerate', '30', '-video_size', '640x480', '-i', '/dev/video0']);
});

test('network and raw file sources: timeouts in µs, HTTP timed by arrival, raw frames described to ffmpeg', () => {
  assert.deepEqual(inputArgs(cameraWith({ kind: 'rtsp', url: 'rtsp://cam/1', timeout: '3s' })), ['-rtsp_transport', 'tcp', '-timeout', '3000000', '-i', 'rtsp://cam/1']);
  assert.deepEqual(inputArgs(cameraWith({ kind: 'http', url: 'http://cam/video.mjpg' })), ['-rw_timeout', '5000000', '-use_wallclock_as_timestamps', '1', '-i', 'http://cam/video.mjpg']);
  assert.deepEqual(inputArgs(cameraWith({ kind: 'file', path: '/data/cap.yuv', loop: true, raw: { pixelFormat: 'yuyv422', size: '1280x720', fps: 30 } })), [
    '-re', '-stream_loop', '-1', '-f', 'rawvideo', '-pixel_format', 'yuyv422', '-video_size', '1280x720', '-framerate', '30', '-i', '/data/cap.yuv',
  ]);
});

test("a V4L2 device that cannot give the asked pixel format: ffmpeg's own words become a cause naming the format", () => {
  const device = cameraWith({ kind: 'v4l2', device: '/dev/video0', inputFormat: 'h264' }).source;
  // Verbatim ffmpeg (libavdevice/v4l2.c) error lines.
  assert.equal(
    explainFfmpegFailure(device, "[video4linux2,v4l2 @ 0x5581] Cannot find a proper format for codec 'h264' (id 27), pixel format 'none' (id -1)\n/dev/video0: Invalid argument"),
    "device /dev/video0 cannot give input format h264 at that size and rate (Cannot find a proper format for codec 'h264' (id 27), pixel format 'none' (id -1)); `signflow camera list-devices` lists what it gives",
  );
  assert.equal(
    explainFfmpegFailure(cameraWith({ kind: 'v4l2', device: '/dev/video0', inputFormat: 'yuv9000' }).source, '[video4linux2,v4l2 @ 0x5581] No such input format: yuv9000.\n/dev/video0: Invalid argument'),
    'device /dev/video0: ffmpeg knows no input format yuv9000 (inputFormat); `signflow camera list-devices` lists what the device gives',
  );
  assert.equal(explainFfmpegFailure(device, '[video4linux2,v4l2 @ 0x5581] Cannot open video device /dev/video0: No such file or directory'), 'cannot open device /dev/video0: no such file or device');
});

test('raw frame sizes and the pre-check use the pixel formats of the real ffmpeg', () => {
  const listing = spawnSync(requireTool('ffmpeg').path, ['-hide_banner', '-pix_fmts'], { encoding: 'utf8' });
  const formats = parsePixelFormats(listing.stdout);
  const get = (name: string) => {
    const f = formats.get(name);
    assert.ok(f, `ffmpeg lists ${name}`);
    return f;
  };
  assert.equal(rawFrameBytes(get('yuv420p'), 640, 480), 460_800);
  assert.equal(rawFrameBytes(get('yuyv422'), 640, 480), 614_400);
  assert.equal(rawFrameBytes(get('rgb24'), 640, 480), 921_600);
  assert.equal(rawFrameBytes(get('pal8'), 16, 16), 256 + 1024);
  assert.ok(get('yuv420p').input && !get('yuv420p').hardware);
  const source = cameraWith({ kind: 'file', path: '/no/such/capture.yuv', raw: { pixelFormat: 'yuyv422', size: '640x480', fps: 30 } }).source;
  assert.ok(source.kind === 'file' && source.raw);
  assert.equal(checkRawVideoFile({ ...source, raw: source.raw }, formats), undefined, 'a missing file is left to ffmpeg');
  assert.match(checkRawVideoFile({ ...source, raw: { ...source.raw, pixelFormat: 'vaapi' } }, formats) ?? '', /pixel format vaapi cannot be read from a file/);
});
