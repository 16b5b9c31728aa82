import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Writable } from 'node:stream';
import Fastify from 'fastify';
import { tempDir } from '@signflow/testkit';
import { TokenStore, registerApiAuth, requireRole, authRedactPaths } from '../src/index.js';

async function withApi(fn: (base: string, tokens: Record<'viewer' | 'operator' | 'admin', string>, store: TokenStore, logs: string[]) => Promise<void>): Promise<void> {
  await using dir = await tempDir();
  const store = new TokenStore(dir.path);
  const tokens = {
    viewer: (await store.create({ name: 'v', role: 'viewer' })).token,
    operator: (await store.create({ name: 'o', role: 'operator' })).token,
    admin: (await store.create({ name: 'a', role: 'admin' })).token,
  };
  const logs: string[] = [];
  const stream = new Writable({
    write(chunk: Buffer, _enc, done) {
      logs.push(chunk.toString());
      done();
    },
  });
  const app = Fastify({ logger: { level: 'info', stream, redact: authRedactPaths, serializers: { req: (req: { method: string; url: string; headers: unknown }) => ({ method: req.method, url: req.url, headers: req.headers }) } } });
  registerApiAuth(app, { verifier: store });
  app.get('/healthz', () => ({ ok: true }));
  app.get('/api/runs', (req) => ({ runs: [], by: req.principal?.name }));
  app.post('/api/runs', async (_req, reply) => reply.code(201).send({ id: 'r1' }));
  app.post('/api/runs/:id/cancel', () => ({ cancelled: true }));
  app.post('/api/models/:model/versions/:version/promote', () => ({ promoted: true }));
  app.get('/api/tokens', () => store.list());
  app.get('/other/thing', { preHandler: requireRole(store, 'admin') }, () => ({ ok: true }));
  await app.listen({ port: 0, host: '127.0.0.1' });
  const address = app.server.address();
  const port = typeof address === 'object' && address ? address.port : 0;
  try {
    await fn(`http://127.0.0.1:${port}`, tokens, store, logs);
  } finally {
    await app.close();
  }
}

const call = (base: string, method: string, path: string, token?: string): Promise<Response> =>
  fetch(base + path, { method, headers: token ? { authorization: `Bearer ${token}` } : {} });

test('over real HTTP: unauthenticated is refused, a viewer cannot submit or promote, roles climb', async () => {
  await withApi(async (base, t) => {
    const anon = await call(base, 'GET', '/api/runs');
    assert.equal(anon.status, 401);
    assert.equal(anon.headers.get('www-authenticate'), 'Bearer realm="signflow"');
    assert.equal(((await anon.json()) as { error: { code: string } }).error.code, 'UNAUTHENTICATED');
    assert.equal((await call(base, 'POST', '/api/runs')).status, 401);
    assert.equal((await call(base, 'GET', '/api/runs', 'sft_0123456789abcdef_' + 'x'.repeat(43))).status, 401);
    assert.equal((await call(base, 'GET', '/healthz')).status, 200, 'health stays public');

    const viewerRead = await call(base, 'GET', '/api/runs', t.viewer);
    assert.equal(viewerRead.status, 200);
    assert.equal(((await viewerRead.json()) as { by: string }).by, 'v');
    const viewerSubmit = await call(base, 'POST', '/api/runs', t.viewer);
    assert.equal(viewerSubmit.status, 403);
    assert.match(((await viewerSubmit.json()) as { error: { message: string } }).error.message, /needs the operator role; this token has viewer/);
    assert.equal((await call(base, 'POST', '/api/runs/r1/cancel', t.viewer)).status, 403);
    assert.equal((await call(base, 'POST', '/api/models/asl/versions/2/promote', t.viewer)).status, 403);

    assert.equal((await call(base, 'POST', '/api/runs', t.operator)).status, 201);
    assert.equal((await call(base, 'POST', '/api/runs/r1/cancel', t.operator)).status, 200);
    assert.equal((await call(base, 'POST', '/api/models/asl/versions/2/promote', t.operator)).status, 403, 'promotion is for admins');
    assert.equal((await call(base, 'GET', '/api/tokens', t.operator)).status, 403, 'token management is for admins');

    assert.equal((await call(base, 'POST', '/api/models/asl/versions/2/promote', t.admin)).status, 200);
    assert.equal((await call(base, 'GET', '/api/tokens', t.admin)).status, 200);
    assert.equal((await call(base, 'GET', '/other/thing', t.operator)).status, 403, 'per-route preHandler');
    assert.equal((await call(base, 'GET', '/other/thing', t.admin)).status, 200);
  });
});

test('a revoked token stops working at once, and tokens never reach the request log', async () => {
  await withApi(async (base, t, store, logs) => {
    assert.equal((await call(base, 'GET', '/api/runs', t.operator)).status, 200);
    store.revoke('o');
    assert.equal((await call(base, 'GET', '/api/runs', t.operator)).status, 401);
    const all = logs.join('');
    assert.ok(all.includes('"url":"/api/runs"'), 'requests were logged with their headers');
    assert.ok(all.includes('[Redacted]'), 'the authorization header was redacted');
    for (const token of Object.values(t)) assert.ok(!all.includes(token), 'a token leaked into the log');
  });
});
