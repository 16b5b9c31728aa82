import { test } from 'node:test';
import assert from 'node:assert/strict';
import { jetstreamManager } from '@nats-io/jetstream';
import { nanos } from '@nats-io/transport-node';
import { createServer } from 'node:http';
import { createReadStream, statSync } from 'node:fs';
import { startTestNats, tempDir, waitFor, fixture } from '@signflow/testkit';
import { ensureFramesStream, startAgent } from '../src/index.js';
import { makeRig, withConnection, readStoredFrames, testTimeout } from './helpers.js';

test('the frames stream is created idempotently and follows the limits in the rig file', testTimeout, async () => {
  await using nats = await startTestNats();
  await withConnection(nats.url, async (nc) => {
    const jsm = await jetstreamManager(nc);
    const first = await ensureFramesStream(jsm, { maxAge: 3_600_000, maxBytes: 1024 ** 3, duplicateWindow: 120_000 });
    const again = await ensureFramesStream(jsm, { maxAge: 3_600_000, maxBytes: 1024 ** 3, duplicateWindow: 120_000 });
    assert.deepEqual(again, first);
    assert.deepEqual(first.subjects, ['signflow.frames.>']);
    const changed = await ensureFramesStream(jsm, { maxAge: 600_000, maxBytes: 256 * 1024 ** 2, duplicateWindow: 30_000 });
    assert.equal(changed.max_age, nanos(600_000));
    assert.equal(changed.max_bytes, 256 * 1024 ** 2);
    assert.equal(changed.duplicate_window, nanos(30_000));
  });
});

test('an HTTP stream source (the fixture clip served on a local port) is read through ffmpeg and published', testTimeout, async () => {
  await using nats = await startTestNats();
  await using state = await tempDir();
  const clip = fixture('tfjs-models', 'asl_hand.25fps.mp4');
  const size = statSync(clip).size;
  // A plain file server with byte ranges, as ffmpeg seeks to the mp4's index.
  const server = createServer((req, res) => {
    const range = /^bytes=(\d+)-(\d*)$/.exec(req.headers.range ?? '');
    const start = range ? Number(range[1]) : 0;
    const end = range?.[2] ? Number(range[2]) : size - 1;
    res.writeHead(range ? 206 : 200, {
      'content-type': 'video/mp4',
      'accept-ranges': 'bytes',
      'content-length': end - start + 1,
      ...(range ? { 'content-range': `bytes ${start}-${end}/${size}` } : {}),
    });
    createReadStream(clip, { start, end }).pipe(res).on('error', () => undefined);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  assert.ok(address && typeof address === 'object');
  const rig = makeRig([{ id: 'net', role: 'hands', source: { kind: 'http', url: `http://127.0.0.1:${address.port}/clip.mp4`, timeout: '3s' }, resolution: '160x280', fps: 15 }]);
  const agent = await startAgent({ rig, servers: nats.url, stateDir: state.path });
  try {
    await waitFor('frames from the HTTP source', async () => ((agent.status().cameras[0]?.framesSent ?? 0) >= 10 ? true : undefined), { timeoutMs: 20_000 });
  } finally {
    await agent.stop();
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }
  const frames = await readStoredFrames(nats.url, 'booth1', 'net');
  assert.ok(frames.length >= 10);
  assert.equal(frames[0]?.headers.height, 280);
});
