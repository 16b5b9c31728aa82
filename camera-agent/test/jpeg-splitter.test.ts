import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { requireTool } from '@signflow/stack';
import { JpegSplitter, RawFrameAssembler } from '../src/index.js';

/** Real MJPEG from ffmpeg: 12 frames of testsrc2 at 96x64. */
function ffmpegMjpeg(): Buffer {
  const result = spawnSync(requireTool('ffmpeg').path, ['-hide_banner', '-loglevel', 'error', '-f', 'lavfi', '-i', 'testsrc2=size=96x64:rate=10', '-frames:v', '12', '-f', 'image2pipe', '-c:v', 'mjpeg', '-pix_fmt', 'yuvj420p', 'pipe:1'], { maxBuffer: 64 * 1024 * 1024 });
  assert.equal(result.status, 0, result.stderr.toString());
  return result.stdout;
}

function split(stream: Buffer, chunkSizes: () => number): { frames: Buffer[]; splitter: JpegSplitter } {
  const frames: Buffer[] = [];
  const splitter = new JpegSplitter((f) => frames.push(Buffer.from(f)), 1 << 20);
  for (let at = 0; at < stream.length; ) {
    const n = Math.max(1, chunkSizes());
    splitter.push(stream.subarray(at, at + n));
    at += n;
  }
  return { frames, splitter };
}

function naiveFrames(stream: Buffer): Buffer[] {
  // Reference cut for ffmpeg's output, which has no thumbnails: SOI … first EOI.
  const out: Buffer[] = [];
  let at = 0;
  for (;;) {
    const soi = stream.indexOf(Buffer.from([0xff, 0xd8]), at);
    if (soi === -1) return out;
    const eoi = stream.indexOf(Buffer.from([0xff, 0xd9]), soi);
    out.push(stream.subarray(soi, eoi + 2));
    at = eoi + 2;
  }
}

test('ffmpeg MJPEG cut into whole JPEGs whatever the chunk boundaries', () => {
  const stream = ffmpegMjpeg();
  const reference = naiveFrames(stream);
  assert.equal(reference.length, 12);
  let seed = 7;
  const random = (): number => {
    seed = (seed * 1103515245 + 12345) % 2 ** 31;
    return seed;
  };
  for (const sizes of [() => 1, () => 2, () => 3, () => 4096, () => 65536, () => (random() % 5000) + 1]) {
    const { frames, splitter } = split(stream, sizes);
    assert.equal(frames.length, 12);
    frames.forEach((f, i) => assert.ok(f.equals(reference[i] ?? Buffer.alloc(0)), `frame ${i}`));
    assert.equal(splitter.stats.skippedBytes, 0);
    assert.equal(splitter.pendingBytes, 0);
  }
});

test('garbage between images is skipped, a truncated image is abandoned, an EOI inside an EXIF thumbnail does not end the frame', () => {
  const reference = naiveFrames(ffmpegMjpeg());
  const [a, b, c] = reference;
  assert.ok(a && b && c);
  // APP1 segment right after SOI holding a fake thumbnail with its own SOI…EOI.
  const thumb = Buffer.from([0xff, 0xd8, 0x01, 0x02, 0xff, 0xd9]);
  const app1 = Buffer.concat([Buffer.from([0xff, 0xe1]), Buffer.from([0, thumb.length + 2]), thumb]);
  const withThumb = Buffer.concat([a.subarray(0, 2), app1, a.subarray(2)]);
  const truncated = b.subarray(0, Math.floor(b.length / 2));
  const stream = Buffer.concat([Buffer.from('garbage!'), withThumb, Buffer.from([0x00, 0x12, 0xff]), truncated, c]);
  const { frames, splitter } = split(stream, () => 1000);
  assert.equal(frames.length, 2);
  assert.ok(frames[0]?.equals(withThumb), 'the frame with a thumbnail came out whole');
  assert.ok(frames[1]?.equals(c));
  assert.ok(splitter.stats.skippedBytes >= 8);
});

test('an image that never ends is dropped once it passes the size bound', () => {
  const dropped: Buffer[] = [];
  const splitter = new JpegSplitter((f) => dropped.push(f), 1000);
  splitter.push(Buffer.from([0xff, 0xd8, 0xff, 0xda, 0x00, 0x02]));
  splitter.push(Buffer.alloc(3000, 0x11));
  assert.equal(dropped.length, 0);
  assert.equal(splitter.stats.dropped, 1);
  assert.ok(splitter.pendingBytes < 1000, 'nothing unbounded is held');
});

test('raw frames are assembled from arbitrary chunks', () => {
  const frames: Buffer[] = [];
  const assembler = new RawFrameAssembler(10, (f) => frames.push(Buffer.from(f)));
  const data = Buffer.from(Array.from({ length: 35 }, (_, i) => i));
  for (const [from, to] of [[0, 3], [3, 17], [17, 20], [20, 35]] as const) assembler.push(data.subarray(from, to));
  assert.equal(frames.length, 3);
  assert.deepEqual([...(frames[2] ?? [])], [20, 21, 22, 23, 24, 25, 26, 27, 28, 29]);
});
