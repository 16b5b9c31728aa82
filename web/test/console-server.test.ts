import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import Fastify, { type FastifyInstance } from 'fastify';
import { LocalArtifactStore, TokenStore, registerApiAuth } from '@signflow/core';
import { tempDir } from '@signflow/testkit';
import { connect } from '@nats-io/transport-node';
import { subjects } from '@signflow/core';
import { startTestNats } from '@signflow/testkit';
import { registerConsoleApi, registerConsoleStatic, runMetricsFromNats, ConsoleNotBuiltError, type ConsoleRun, type ModelsSource } from '../src/console-server/index.js';

async function listen(app: FastifyInstance): Promise<string> {
  await app.listen({ port: 0, host: '127.0.0.1' });
  const address = app.server.address();
  return `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`;
}

test('the built console is served under /console/ with deep links, cache headers and no path escape', async () => {
  await using dir = await tempDir();
  mkdirSync(join(dir.path, 'assets'));
  writeFileSync(join(dir.path, 'index.html'), '<!doctype html><title>signflow console</title>');
  writeFileSync(join(dir.path, 'assets', 'app-1234.js'), 'console.log(1)');
  const app = Fastify();
  registerConsoleStatic(app, { distDir: dir.path });
  const base = await listen(app);
  try {
    const root = await fetch(`${base}/`, { redirect: 'manual' });
    assert.equal(root.status, 302);
    assert.equal(root.headers.get('location'), '/console/');
    const index = await fetch(`${base}/console/`);
    assert.match(index.headers.get('content-type') ?? '', /text\/html/);
    assert.match(await index.text(), /signflow console/);
    const js = await fetch(`${base}/console/assets/app-1234.js`);
    assert.match(js.headers.get('content-type') ?? '', /javascript/);
    assert.match(js.headers.get('cache-control') ?? '', /immutable/);
    assert.match(await (await fetch(`${base}/console/runs/abc`)).text(), /signflow console/, 'unknown paths get the app');
    const escape = await fetch(`${base}/console/..%2F..%2F..%2Fetc%2Fpasswd`);
    assert.doesNotMatch(await escape.text(), /root:/);
  } finally {
    await app.close();
  }
  await using empty = await tempDir();
  assert.throws(() => registerConsoleStatic(Fastify(), { distDir: empty.path }), (err: unknown) => err instanceof ConsoleNotBuiltError && /npm run setup/.test(err.message));
});

test('console API: the run stream pushes each change until the run ends; artifacts are served; missing parts say so', async () => {
  await using dir = await tempDir();
  const store = new LocalArtifactStore(join(dir.path, 'artifacts'));
  const history = [{ epoch: 1, loss: 1.2, accuracy: 0.4 }, { epoch: 2, loss: 0.7, accuracy: 0.7 }];
  const metricsRef = await store.putBytes(JSON.stringify(history), 'metrics');
  const done: ConsoleRun['steps'][number]['outputs'] = { metrics: { kind: 'artifact', ref: metricsRef } };
  const states: ConsoleRun[] = ['running', 'running', 'succeeded'].map((status, i) => ({
    runId: 'r1',
    status,
    outputs: {},
    steps: [{ stepPath: 'train', status: i < 2 ? 'running' : 'succeeded', outputs: i < 2 ? {} : done }],
  }));
  let calls = 0;
  const runs = {
    getRun: async (id: string): Promise<ConsoleRun> => {
      if (id !== 'r1') throw Object.assign(new Error(`run ${id} not found`), {});
      const state = states[Math.min(calls, states.length - 1)];
      calls++;
      assert.ok(state);
      return state;
    },
  };
  const app = Fastify();
  registerConsoleApi(app, { runs, artifacts: store, pollMs: 20, liveFeedUrl: 'http://127.0.0.1:9/live/' });
  const base = await listen(app);
  try {
    const res = await fetch(`${base}/v1/runs/r1/stream`);
    assert.equal(res.headers.get('content-type'), 'text/event-stream');
    const text = await res.text(); // the server ends the stream once the run is over
    const events = [...text.matchAll(/^event: (\w+)$/gm)].map((m) => m[1]);
    assert.deepEqual(events, ['run', 'run', 'end'], 'unchanged states are not resent');
    assert.match(text, /"status":"succeeded"/);

    const artifact = await fetch(`${base}/v1/runs/r1/steps/train/artifacts/metrics`);
    assert.equal(artifact.status, 200);
    assert.deepEqual(await artifact.json(), history);
    const missing = await fetch(`${base}/v1/runs/r1/steps/train/artifacts/nothing`);
    assert.equal(missing.status, 404);
    assert.match(((await missing.json()) as { error: { message: string } }).error.message, /no artifact output "nothing"/);

    assert.equal((await fetch(`${base}/v1/models`)).status, 404, 'no registry wired, no route');
    const cameras = await fetch(`${base}/v1/cameras`);
    assert.equal(cameras.status, 501);
    assert.match(((await cameras.json()) as { error: { message: string } }).error.message, /camera fleet is not available on this server: start the API with a NATS connection/);
    const info = (await (await fetch(`${base}/v1/console/info`)).json()) as { features: Record<string, boolean>; liveFeedUrl: string };
    assert.deepEqual(info.features, { runs: true, artifacts: true, models: false, datasets: false, cameras: false, liveFeed: true });
  } finally {
    await app.close();
  }
});

test('console API behind the auth hook: a viewer cannot promote, an admin can; bad stages are named', async () => {
  await using dir = await tempDir();
  const tokens = new TokenStore(dir.path);
  const viewer = (await tokens.create({ name: 'v', role: 'viewer' })).token;
  const admin = (await tokens.create({ name: 'a', role: 'admin' })).token;
  const promoted: string[] = [];
  const models: ModelsSource = {
    names: async () => ['asl'],
    list: async () => [{ version: 1, createdAt: new Date().toISOString(), stage: 'staging', lineage: { datasetVersion: 'd', params: {}, metrics: {}, backend: 'cpu' } }],
    promote: async (name, version, stage) => promoted.push(`${name}@${version}->${stage}`),
    rollback: async () => ({}),
  };
  const app = Fastify();
  registerApiAuth(app, { verifier: tokens });
  registerConsoleApi(app, { models });
  const base = await listen(app);
  const promote = (token: string | undefined, body: unknown) =>
    fetch(`${base}/v1/models/asl/versions/1/promote`, { method: 'POST', headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) }, body: JSON.stringify(body) });
  try {
    assert.equal((await fetch(`${base}/v1/models`)).status, 401);
    assert.equal((await fetch(`${base}/v1/models`, { headers: { authorization: `Bearer ${viewer}` } })).status, 200);
    assert.equal((await promote(viewer, { stage: 'production' })).status, 403);
    assert.equal((await promote(admin, { stage: 'production' })).status, 200);
    const bad = await promote(admin, { stage: 'gold' });
    assert.equal(bad.status, 400);
    assert.match(((await bad.json()) as { error: { message: string } }).error.message, /stage/);
    assert.deepEqual(promoted, ['asl@1->production']);
  } finally {
    await app.close();
  }
});

test('the run stream carries training epochs published on NATS while the run is going', async () => {
  await using nats = await startTestNats();
  const nc = await connect({ servers: nats.url });
  let finished = false;
  const runs = { getRun: async (): Promise<ConsoleRun> => ({ runId: 'r2', status: finished ? 'succeeded' : 'running', outputs: {}, steps: [] }) };
  const app = Fastify();
  registerConsoleApi(app, { runs, liveMetrics: runMetricsFromNats(nc), pollMs: 20 });
  const base = await listen(app);
  try {
    const res = await fetch(`${base}/v1/runs/r2/stream`);
    assert.ok(res.body);
    const reader = res.body.pipeThrough(new TextDecoderStream()).getReader();
    let text = '';
    const until = async (pattern: RegExp): Promise<void> => {
      while (!pattern.test(text)) {
        const { value, done } = await reader.read();
        if (done) throw new Error(`stream ended before ${String(pattern)}: ${text}`);
        text += value;
      }
    };
    await until(/event: run\n/);
    await nc.flush();
    nc.publish(subjects.runMetrics('r2'), JSON.stringify({ runId: 'r2', epoch: 1, loss: 0.9, accuracy: 0.5 }));
    await until(/event: epoch\ndata: \{"runId":"r2","epoch":1,"loss":0.9,"accuracy":0.5\}/);
    finished = true;
    await until(/event: end/);
  } finally {
    await app.close();
    await nc.close();
  }
});
