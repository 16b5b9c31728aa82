import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import Fastify from 'fastify';
import { pino } from 'pino';
import { tempDir } from '@signflow/testkit';
import { apiTokenVerifier, bootstrapAdminToken, createLogger, loadConfig, localApiToken, LocalArtifactStore, prepareApiServer, registerApiPlugin, registeredApiPlugins, TokenStore } from '../src/index.js';

test('prepareApiServer: every route refused without a token, even before any exists; /metrics; plugins mounted, a broken one skipped', async () => {
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
    assert.equal((await fetch(`${base}/v1/hello`)).status, 401, 'no token exists yet: still refused');
    const { token } = await new TokenStore(dir.path).create({ name: 'admin', role: 'admin' });
    assert.equal((await fetch(`${base}/v1/hello`)).status, 401);
    const ok = await fetch(`${base}/v1/hello`, { headers: { authorization: `Bearer ${token}` } });
    assert.equal(ok.status, 200);
    assert.deepEqual(await ok.json(), { run: { runId: 'r1' } });

    const metrics = await fetch(`${base}/metrics`);
    assert.equal(metrics.status, 200, '/metrics stays public for Prometheus');
    assert.match(await metrics.text(), /^signflow_process_cpu_user_seconds_total\{service="signflow"\} /m);
  } finally {
    await app.close();
  }
});

test('prepareApiServer with an explicit auth.mode off: open, and says so loudly', async () => {
  await using dir = await tempDir();
  const config = loadConfig({ env: {}, overrides: { dataDir: dir.path, auth: { mode: 'off' } } }).config;
  const lines: string[] = [];
  const logger = pino({ level: 'warn' }, { write: (line: string) => lines.push(line) });
  const app = Fastify();
  await prepareApiServer(app, { config, logger, getRun: async (id) => ({ runId: id }), artifacts: new LocalArtifactStore(join(dir.path, 'a')) });
  try {
    assert.equal((await app.inject({ method: 'GET', url: '/v1/hello' })).statusCode, 200);
    assert.match(lines.join(''), /API AUTHENTICATION IS OFF/);
  } finally {
    await app.close();
  }
});

test('bootstrapAdminToken: once per data dir, hashed in the store, plaintext only in a 0600 file the local CLI reads', async () => {
  await using dir = await tempDir();
  const first = await bootstrapAdminToken(dir.path);
  assert.ok(first.created);
  assert.equal(statSync(first.file).mode & 0o777, 0o600);
  assert.equal(readFileSync(first.file, 'utf8').trim(), first.token);
  assert.ok(!readFileSync(new TokenStore(dir.path).file, 'utf8').includes(first.token.split('_')[2] ?? '-'), 'the store keeps only the hash');
  assert.equal((await new TokenStore(dir.path).verify(first.token))?.role, 'admin');
  assert.deepEqual(await bootstrapAdminToken(dir.path), { created: false, file: first.file });
  assert.equal(localApiToken({ dataDir: dir.path }, {}), first.token);
  assert.equal(localApiToken({ dataDir: dir.path }, { SIGNFLOW_API_TOKEN: 'sft_x' }), 'sft_x');
});

test('apiTokenVerifier: the store’s tokens plus SIGNFLOW_API_ADMIN_TOKEN (the chart’s shared admin token), compared exactly; a short one is refused', async () => {
  await using dir = await tempDir();
  const shared = 'x'.repeat(20) + 'AbCdEfGhIjKlMnOpQrStUvWx';
  const verifier = apiTokenVerifier({ dataDir: dir.path }, { SIGNFLOW_API_ADMIN_TOKEN: shared });
  assert.equal((await verifier.verify(shared))?.role, 'admin');
  assert.equal(await verifier.verify(`${shared}y`), undefined);
  const { token } = await new TokenStore(dir.path).create({ name: 'v', role: 'viewer' });
  assert.equal((await verifier.verify(token))?.role, 'viewer', 'store tokens still work');
  assert.throws(() => apiTokenVerifier({ dataDir: dir.path }, { SIGNFLOW_API_ADMIN_TOKEN: 'short' }), /shorter than 32/);
  assert.ok(apiTokenVerifier({ dataDir: dir.path }, {}) instanceof TokenStore);
});
