import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { tempDir } from '@signflow/testkit';
import { FrameBuffer, type QueuedFrame } from '../src/index.js';

function frame(seq: number, bytes = 100): QueuedFrame {
  return { seq, headers: { 'Signflow-Seq': String(seq) }, data: Buffer.alloc(bytes, seq % 256) };
}

/** Sends (peek + shift) everything the buffer holds, returning the seqs in order. */
function sendAll(buffer: FrameBuffer): number[] {
  const out: number[] = [];
  for (let f = buffer.peek(); f; f = buffer.peek()) {
    out.push(f.seq);
    assert.equal(f.data[0], f.seq % 256, 'payload read back intact');
    assert.equal(f.headers['Signflow-Seq'], String(f.seq));
    buffer.shift();
  }
  return out;
}

test('a new buffer on the same folder takes up the frames an earlier one left on disk, oldest first', async () => {
  await using dir = await tempDir();
  const first = new FrameBuffer({ maxFrames: 2, maxBytes: 1e6, diskDir: dir.path });
  for (let seq = 0; seq < 6; seq++) first.push(frame(seq));
  assert.equal(first.counters.spilled, 4);
  assert.equal(first.persist(), 6, 'persist moves the memory frames to disk too');
  // A crash mid-write leaves a .partial file; a frame file can also be cut short.
  writeFileSync(join(dir.path, `${String(3).padStart(16, '0')}.frame`), Buffer.from([0, 0, 0, 99, 1]));
  writeFileSync(join(dir.path, `${String(6).padStart(16, '0')}.frame.partial`), 'half');

  const second = new FrameBuffer({ maxFrames: 2, maxBytes: 1e6, diskDir: dir.path });
  assert.equal(second.counters.restored, 6);
  assert.equal(second.highestSeq, 5);
  assert.ok(!existsSync(join(dir.path, `${String(6).padStart(16, '0')}.frame.partial`)), 'half-written files are removed');
  second.push(frame(6));
  assert.deepEqual(sendAll(second), [0, 1, 2, 4, 5, 6], 'the unreadable frame 3 is skipped, the rest in order');
  assert.equal(second.counters.dropped, 1, 'and counted as dropped');
  assert.equal(second.length, 0);
  assert.deepEqual(readdirSync(dir.path), [], 'sent frames leave the disk');
});

test('restored frames over diskMaxBytes: the oldest go first, counted as dropped', async () => {
  await using dir = await tempDir();
  const first = new FrameBuffer({ maxFrames: 1, maxBytes: 1e6, diskDir: dir.path });
  for (let seq = 10; seq < 20; seq++) first.push(frame(seq, 1000));
  first.persist();
  const second = new FrameBuffer({ maxFrames: 1, maxBytes: 1e6, diskDir: dir.path, diskMaxBytes: 4 * 1100 });
  assert.equal(second.counters.dropped, 6);
  assert.deepEqual(sendAll(second), [16, 17, 18, 19]);
});

test('without a disk folder, persist keeps nothing', () => {
  const buffer = new FrameBuffer({ maxFrames: 3, maxBytes: 1e6 });
  buffer.push(frame(1));
  assert.equal(buffer.persist(), 0);
  assert.equal(buffer.length, 1);
  assert.equal(buffer.highestSeq, 1);
});

test('an ack for a frame dropped while in flight does not remove the next frame', () => {
  // Room for one frame only: the frame out for publishing is the only one that can make room.
  const buffer = new FrameBuffer({ maxFrames: 1, maxBytes: 1e6 });
  buffer.push(frame(1));
  const inFlight = buffer.peek();
  buffer.push(frame(2)); // full: frame 1 dropped while its publish is out
  assert.equal(buffer.counters.dropped, 1);
  buffer.shift(inFlight?.seq);
  assert.deepEqual(sendAll(buffer), [2]);
});

test('a full buffer drops the oldest frame, but not the one out for publishing: its publish may have landed with only the ack lost', () => {
  const buffer = new FrameBuffer({ maxFrames: 3, maxBytes: 1e6 });
  for (let seq = 0; seq < 3; seq++) buffer.push(frame(seq));
  assert.equal(buffer.peek()?.seq, 0, 'frame 0 goes out; NATS goes away before its ack');
  for (let seq = 3; seq < 6; seq++) buffer.push(frame(seq));
  assert.equal(buffer.counters.dropped, 3, 'three frames made room');
  // Frame 0 stays to be resent (its msg id settles whether it had landed); 1, 2 and 3 were never sent.
  assert.deepEqual(sendAll(buffer), [0, 4, 5]);
  // Nothing out for publishing: the oldest goes first, as before.
  for (let seq = 6; seq < 10; seq++) buffer.push(frame(seq));
  assert.deepEqual(sendAll(buffer), [7, 8, 9]);
});

test('the same holds for the disk buffer: trimming skips the spilled frame out for publishing', async () => {
  await using dir = await tempDir();
  const buffer = new FrameBuffer({ maxFrames: 1, maxBytes: 1e6, diskDir: dir.path, diskMaxBytes: 3 * 250 });
  for (let seq = 0; seq < 3; seq++) buffer.push(frame(seq));
  assert.equal(buffer.peek()?.seq, 0, 'frame 0 (on disk) goes out');
  for (let seq = 3; seq < 7; seq++) buffer.push(frame(seq));
  assert.ok(buffer.counters.dropped > 0, 'the disk filled up');
  const sent = sendAll(buffer);
  assert.equal(sent[0], 0, 'the frame out for publishing was kept');
  assert.deepEqual([...sent].sort((a, b) => a - b), sent, 'in order');
  assert.equal(sent.length + buffer.counters.dropped, 7, 'every frame sent once or counted as dropped');
});
