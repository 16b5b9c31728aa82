import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { connect } from '@nats-io/transport-node';
import { jetstream, jetstreamManager } from '@nats-io/jetstream';
import { Kvm } from '@nats-io/kv';
import { generateNatsAuth, kvBuckets, natsUserConnectOptions, parseNatsAuthSpec, subjects, describeError } from '@signflow/core';
import { startTestNats, tempDir, waitFor } from '@signflow/testkit';
import { ensureFramesStream, openCamerasKv, startAgent } from '../src/index.js';
import { makeRig, readStoredFrames, testsrcCamera, testTimeout } from './helpers.js';

test("per-agent NATS credentials: camera A's agent streams, and its credentials are refused on camera B's subject and key", testTimeout, async () => {
  await using dir = await tempDir();
  const spec = parseNatsAuthSpec({
    tenants: { school: { rigs: ['booth1'] } },
    users: [
      { kind: 'admin', name: 'admin' },
      { kind: 'camera', name: 'booth1-a', tenant: 'school', rig: 'booth1', cameras: ['a'] },
      { kind: 'camera', name: 'booth1-b', tenant: 'school', rig: 'booth1', cameras: ['b'] },
    ],
  });
  const auth = generateNatsAuth(spec, join(dir.path, 'creds'));
  const user = (name: string) => {
    const found = auth.users.find((u) => u.name === name);
    assert.ok(found);
    return natsUserConnectOptions(found);
  };
  await using nats = await startTestNats({ extraConfig: auth.config });
  const rigA = makeRig([testsrcCamera('a')]);

  // The stack (admin) makes the stream and the bucket; camera users may not.
  const admin = await connect({ servers: nats.url, ...user('admin') });
  await ensureFramesStream(await jetstreamManager(admin), rigA.stream);
  await openCamerasKv(admin);

  const agent = await startAgent({ rig: rigA, servers: nats.url, stateDir: dir.path, connectOptions: user('booth1-a') });
  try {
    await waitFor('camera a frames sent with its own credentials', async () => ((agent.status().cameras[0]?.framesSent ?? 0) >= 10 ? true : undefined), { timeoutMs: 20_000 });
    await waitFor('a heartbeat written under its own key', async () => ((await (await new Kvm(admin).open(kvBuckets.cameras)).get('booth1.a'))?.length ? true : undefined), { timeoutMs: 10_000 });
  } finally {
    await agent.stop();
  }
  const stored = await readStoredFrames(nats.url, 'booth1', 'a', user('admin'));
  assert.ok(stored.length >= 10);

  // Camera a's credentials on camera b's subject and key: refused by the server.
  const intruder = await connect({ servers: nats.url, ...user('booth1-a') });
  try {
    const js = jetstream(intruder, { timeout: 2000 });
    await assert.rejects(js.publish(subjects.frames('booth1', 'b'), new Uint8Array([0xff, 0xd8, 0xff, 0xd9]), { msgID: 'booth1.b.0' }), (err: unknown) => {
      assert.match(describeError(err), /permission|timeout/i, describeError(err));
      return true;
    });
    const kv = await new Kvm(intruder).open(kvBuckets.cameras);
    await assert.rejects(kv.put('booth1.b', '{}'), /permission|timeout/i);
  } finally {
    await intruder.close();
  }
  const info = await (await jetstreamManager(admin)).streams.info('SIGNFLOW_FRAMES', { subjects_filter: subjects.frames('booth1', 'b') });
  assert.equal(info.state.subjects?.[subjects.frames('booth1', 'b')] ?? 0, 0, 'nothing reached camera b\'s subject');

  // An agent started with camera a's credentials for camera b reports why it cannot send.
  const wrong = await startAgent({ rig: makeRig([testsrcCamera('b')]), servers: nats.url, stateDir: dir.path, connectOptions: user('booth1-a') });
  try {
    await waitFor('the permission error in the status', async () => (/not allowed to publish on signflow\.frames\.booth1\.b/.test(wrong.status().cameras[0]?.lastError ?? '') ? true : undefined), { timeoutMs: 20_000 });
    assert.equal(wrong.status().cameras[0]?.framesSent, 0);
  } finally {
    await wrong.stop();
    await admin.close();
  }
});
