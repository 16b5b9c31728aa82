import { test } from 'node:test';
import assert from 'node:assert/strict';
import { startTestNats, tempDir, waitFor } from '@signflow/testkit';
import { startAgent, type CameraAgent, type CameraStatus } from '../src/index.js';
import { gapsAndRepeats, makeRig, readStoredFrames, testTimeout, type ReceivedFrame } from './helpers.js';
import { startHttpCamera, startRtspCamera } from './stream-servers.js';

function camera(agent: CameraAgent, id: string): CameraStatus {
  const status = agent.status().cameras.find((c) => c.camera === id);
  assert.ok(status, `camera ${id} has a status`);
  return status;
}

function assertFrames(frames: readonly ReceivedFrame[], id: string, sent: number): void {
  assert.equal(frames.length, sent, `${id}: the stream holds every frame the agent sent`);
  assert.deepEqual(gapsAndRepeats(frames.map((f) => f.headers.seq)), { gaps: 0, repeats: 0, outOfOrder: 0 });
  for (const frame of frames) {
    assert.deepEqual(frame.firstBytes, [0xff, 0xd8], 'payload is a JPEG');
    assert.equal(frame.msgId, `booth1.${id}.${frame.headers.seq}`);
    assert.equal(frame.headers.rig, 'booth1');
    assert.equal(frame.headers.camera, id);
    assert.equal(frame.headers.encoding, 'jpeg');
    assert.equal(frame.headers.width, 160);
    assert.equal(frame.headers.height, 120);
  }
}

test('an rtsp:// camera (mediamtx fed by ffmpeg) and an http:// MJPEG camera stream frames to JetStream', testTimeout, async () => {
  await using nats = await startTestNats();
  await using state = await tempDir();
  await using rtsp = await startRtspCamera({ size: '320x240', fps: 15 });
  await using http = await startHttpCamera({ format: 'mpjpeg', size: '320x240', fps: 15 });
  const rig = makeRig([
    { id: 'ipcam', role: 'body', source: { kind: 'rtsp', url: rtsp.url, timeout: '5s' }, resolution: '160x120', fps: 15, jpegQuality: 70 },
    { id: 'mjpeg', role: 'side', source: { kind: 'http', url: http.url, timeout: '5s' }, resolution: '160x120', fps: 15, jpegQuality: 70 },
  ]);
  const agent = await startAgent({ rig, servers: nats.url, stateDir: state.path });
  try {
    // The HTTP camera serves one client: the agent's ffmpeg may arrive before it listens and retry.
    await waitFor('30 frames from each network camera', async () => (['ipcam', 'mjpeg'].every((id) => camera(agent, id).framesSent >= 30) ? true : undefined), {
      timeoutMs: 30_000,
      abortIf: () => (http.process.running ? undefined : http.process.exitError()),
    });
    for (const id of ['ipcam', 'mjpeg']) {
      const status = camera(agent, id);
      assert.equal(status.state, 'streaming');
      assert.equal(status.lastError, null, `${id}: ${status.lastError}`);
    }
  } finally {
    await agent.stop();
  }
  for (const id of ['ipcam', 'mjpeg']) {
    const frames = await readStoredFrames(nats.url, 'booth1', id);
    assertFrames(frames, id, camera(agent, id).framesSent);
  }
});
