import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type Socket } from 'node:net';
import { spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { requireTool } from '@signflow/stack';
import { startTestNats, tempDir, waitFor, fixture } from '@signflow/testkit';
import { startAgent, type CameraAgent } from '../src/index.js';
import { makeRig, testsrcCamera, testTimeout } from './helpers.js';

function statusOf(agent: CameraAgent, id: string) {
  const status = agent.status().cameras.find((c) => c.camera === id);
  assert.ok(status);
  return status;
}

/** A TCP server that accepts and then says nothing, like a hung RTSP camera. */
async function silentServer(): Promise<{ port: number; close(): Promise<void> }> {
  const sockets = new Set<Socket>();
  const server = createServer((socket) => {
    sockets.add(socket);
    socket.on('error', () => undefined);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  assert.ok(address && typeof address === 'object');
  return {
    port: address.port,
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  };
}

/** A port nothing listens on: bind, note the port, close. */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  assert.ok(address && typeof address === 'object');
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return address.port;
}

test('bad sources each give a clear error naming the camera and the cause, while a good camera keeps streaming', testTimeout, async () => {
  await using nats = await startTestNats();
  await using dir = await tempDir();
  const garbage = join(dir.path, 'not-a-video.mp4');
  writeFileSync(garbage, 'this is not a video file\n'.repeat(100));
  // 7 frames of raw yuv420p 160x120 (28800 bytes each), as a camera capture dump would be.
  const raw = join(dir.path, 'capture.yuv');
  const made = spawnSync(requireTool('ffmpeg').path, ['-v', 'error', '-f', 'lavfi', '-i', 'testsrc2=size=160x120:rate=15', '-frames:v', '7', '-f', 'rawvideo', '-pix_fmt', 'yuv420p', raw]);
  assert.equal(made.status, 0, made.stderr.toString());
  const silent = await silentServer();
  const closed = await closedPort();
  const rig = makeRig([
    testsrcCamera('good'),
    { id: 'unreadable', role: 'side', source: { kind: 'file', path: garbage }, resolution: '160x120', fps: 15 },
    { id: 'missing', role: 'side', source: { kind: 'file', path: join(dir.path, 'nope.mp4') }, resolution: '160x120', fps: 15 },
    { id: 'nodevice', role: 'side', source: { kind: 'v4l2', device: '/dev/video-signflow-test-absent' }, resolution: '160x120', fps: 15 },
    { id: 'refused', role: 'side', source: { kind: 'rtsp', url: `rtsp://127.0.0.1:${closed}/cam`, timeout: '1s' }, resolution: '160x120', fps: 15 },
    { id: 'hung', role: 'side', source: { kind: 'rtsp', url: `rtsp://127.0.0.1:${silent.port}/cam`, timeout: '1s' }, resolution: '160x120', fps: 15 },
    { id: 'rawok', role: 'side', source: { kind: 'file', path: raw, loop: true, raw: { pixelFormat: 'yuv420p', size: '160x120', fps: 15 } }, resolution: '160x120', fps: 15 },
    { id: 'wrongpixfmt', role: 'side', source: { kind: 'file', path: raw, loop: true, raw: { pixelFormat: 'rgb24', size: '160x120', fps: 15 } }, resolution: '160x120', fps: 15 },
    { id: 'nopixfmt', role: 'side', source: { kind: 'file', path: raw, raw: { pixelFormat: 'yuv999', size: '160x120', fps: 15 } }, resolution: '160x120', fps: 15 },
    { id: 'toobig', role: 'side', source: { kind: 'file', path: fixture('tfjs-models', 'asl_hand.25fps.mp4') }, resolution: '700x1200', fps: 15, jpegQuality: 40 },
  ]);
  const agent = await startAgent({ rig, servers: nats.url, stateDir: dir.path });
  try {
    const expected: Record<string, RegExp> = {
      unreadable: /^camera unreadable: file .*not-a-video\.mp4 is not a readable video/,
      missing: /^camera missing: cannot open file .*nope\.mp4: no such file/,
      nodevice: /^camera nodevice: cannot open device \/dev\/video-signflow-test-absent: no such file or device/,
      refused: new RegExp(`^camera refused: cannot connect to stream rtsp://127\\.0\\.0\\.1:${closed}/cam: connection refused`),
      hung: /^camera hung: (no answer from stream rtsp:.* (before the timeout|within 1 s)|no frame from stream rtsp:.*not answering)/,
      wrongpixfmt: /^camera wrongpixfmt: raw file .*capture\.yuv does not hold rgb24 160x120 frames: 201600 bytes is 3\.50 frames of 57600 bytes; wrong raw\.pixelFormat or raw\.size \(the size fits [a-z0-9, ]*yuv420p/,
      nopixfmt: /^camera nopixfmt: raw file .*capture\.yuv: ffmpeg has no pixel format yuv999/,
      toobig: /^camera toobig: file .*asl_hand\.25fps\.mp4 gives 620x1080, it cannot give 700x1200 without upscaling/,
    };
    await waitFor('every bad camera to report its error', async () => (Object.keys(expected).every((id) => statusOf(agent, id).lastError) ? true : undefined), { timeoutMs: 30_000 });
    for (const [id, pattern] of Object.entries(expected)) {
      const status = statusOf(agent, id);
      assert.match(status.lastError ?? '', pattern, `${id}: ${status.lastError}`);
      assert.equal(status.framesSent, 0);
    }
    for (const good of ['good', 'rawok']) {
      const before = statusOf(agent, good).framesSent;
      await waitFor(`the good camera ${good} to keep streaming`, async () => (statusOf(agent, good).framesSent >= before + 15 ? true : undefined), { timeoutMs: 10_000 });
      assert.equal(statusOf(agent, good).lastError, null);
      assert.equal(statusOf(agent, good).state, 'streaming');
    }
  } finally {
    await agent.stop();
    await silent.close();
  }
});
