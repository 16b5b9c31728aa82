import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import Fastify from 'fastify';
import { connect } from '@nats-io/transport-node';
import { Kvm } from '@nats-io/kv';
import { createLogger, kvBuckets, loadConfig, LocalArtifactStore, prepareApiServer, registeredApiPlugins, TokenStore } from '@signflow/core';
import { startTestNats, tempDir } from '@signflow/testkit';
import '../src/console-server/register.js';

test('the console registers itself on the signflow API: run stream source, camera fleet from the KV bucket, live feed link', async () => {
  assert.ok(registeredApiPlugins().includes('console'));
  await using nats = await startTestNats();
  await using dir = await tempDir();
  const writer = await connect({ servers: nats.url });
  const kv = await new Kvm(writer).create(kvBuckets.cameras);
  await kv.put('rig1.cam0', JSON.stringify({ state: 'streaming', fps: 25 }));
  const config = loadConfig({ env: {}, overrides: { dataDir: dir.path, nats: { url: nats.url }, api: { port: 9000 } } }).config;
  const app = Fastify();
  const run = { runId: 'r1', status: 'succeeded', outputs: {}, steps: [], pipeline: 'p' };
  await prepareApiServer(app, { config, logger: createLogger('t', { level: 'silent' }), getRun: async () => run, artifacts: new LocalArtifactStore(join(dir.path, 'a')) });
  await app.listen({ port: 0, host: '127.0.0.1' });
  const address = app.server.address();
  const base = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`;
  const viewer = (await new TokenStore(dir.path).create({ name: 'viewer', role: 'viewer' })).token;
  const fetch = (url: string) => globalThis.fetch(url, { headers: { authorization: `Bearer ${viewer}` } });
  try {
    assert.equal((await globalThis.fetch(`${base}/v1/console/info`)).status, 401, 'the API refuses calls without a token');
    const info = (await (await fetch(`${base}/v1/console/info`)).json()) as { features: Record<string, boolean>; liveFeedUrl: string };
    assert.equal(info.features['cameras'], true);
    assert.equal(info.liveFeedUrl, 'http://127.0.0.1:9001/live');
    const cameras = (await (await fetch(`${base}/v1/cameras`)).json()) as { cameras: { key: string; status: { fps: number } }[] };
    assert.deepEqual(cameras.cameras.map((c) => `${c.key}@${c.status.fps}`), ['rig1.cam0@25']);
    const stream = await (await fetch(`${base}/v1/runs/r1/stream`)).text();
    assert.match(stream, /event: run\ndata: \{"runId":"r1".*"pipeline":"p"/, 'extra run fields pass through');
  } finally {
    await app.close();
    await writer.close();
  }
});
