import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import Fastify from 'fastify';
import { tempDir } from '@signflow/testkit';
import { createLogger, loadConfig, LocalArtifactStore, prepareApiServer, registerApiPlugin, registeredApiPlugins, TokenStore } from '../src/index.js';

test('prepareApiServer: open until the first token, then every route checked; /metrics; plugins mounted, a broken one skipped', async () => {
  await using dir = await tempDir();
  const config = loadConfig({ env: {}, overrides: { dataDir: dir.path } }).config;
  registerApiPlugin('hello', (app, ctx) => {
    app.get('/v1/hello', async () => ({ run: await ctx.getRun('r1') }));
  });
  registerApiPlugin('broken', () => {
    throw new Error('boom');
  });
  assert.deepEqual(registeredApiPlugins(), ['hello', 'broken']);
  const app = Fastify();
  await prepareApiServer(app, { config, logger: createLogger('api-test', { level: 'silent' }), getRun: async (id) => ({ runId: id }), artifacts: new LocalArtifactStore(join(dir.path, 'a')) });
  await app.listen({ port: 0, host: '127.0.0.1' });
  const address = app.server.address();
  const base = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`;
  try {
    const open = await fetch(`${base}/v1/hello`);
    assert.equal(open.status, 200, 'no token exists yet: open');
    assert.deepEqual(await open.json(), { run: { runId: 'r1' } });

    const { token } = await new TokenStore(dir.path).create({ name: 'admin', role: 'admin' });
    assert.equal((await fetch(`${base}/v1/hello`)).status, 401, 'the first token turns auth on');
    assert.equal((await fetch(`${base}/v1/hello`, { headers: { authorization: `Bearer ${token}` } })).status, 200);

    const metrics = await fetch(`${base}/metrics`);
    assert.equal(metrics.status, 200, '/metrics stays public for Prometheus');
    assert.match(await metrics.text(), /^signflow_process_cpu_user_seconds_total\{service="signflow"\} /m);
  } finally {
    await app.close();
  }
});
