import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import Fastify from 'fastify';
import { createLogger, loadConfig, LocalArtifactStore, prepareApiServer, TokenStore, type SignflowConfigInput } from '@signflow/core';
import { startTestNats, tempDir } from '@signflow/testkit';
import '../src/api/plugin.js';
import { FrameFlag, MSL150_LAYOUT, openConfiguredStore } from '../src/index.js';
import type { DatasetVersionRow, DatasetVersionSummary } from '../src/api/routes.js';
import { syntheticSample } from './helpers/synthetic.js';

/** Writes two versions of `signs` into the store the config names; returns their ids (older first). */
async function seed(config: ReturnType<typeof loadConfig>['config']): Promise<string[]> {
  const store = await openConfiguredStore(config);
  try {
    const ids: string[] = [];
    for (const extra of [false, true]) {
      const w = store.createWriter({ name: 'signs', layout: MSL150_LAYOUT, coordinates: { space: 'image-normalized' }, sources: [{ kind: 'synthetic', location: 'test' }] });
      const flags = new Uint8Array(20);
      flags[2] = FrameFlag.blur;
      await w.add(syntheticSample(MSL150_LAYOUT, 'a', 'hello', 30, 'ana'));
      await w.add({ ...syntheticSample(MSL150_LAYOUT, 'b', 'thanks', 20, 'ben', 1), flags });
      await w.add(syntheticSample(MSL150_LAYOUT, 'c', 'hello', 25, null, 2));
      if (extra) await w.add(syntheticSample(MSL150_LAYOUT, 'd', 'please', 10, 'ana', 3));
      w.skip('e.npy', 'wrong-shape');
      ids.push((await w.commit()).id);
    }
    return ids;
  } finally {
    await store.close();
  }
}

async function serve(overrides: SignflowConfigInput, check: (get: (path: string, token?: string) => Promise<{ status: number; body: unknown }>, ids: string[]) => Promise<void>) {
  const config = loadConfig({ env: {}, overrides }).config;
  const ids = await seed(config);
  const { token } = await new TokenStore(config.dataDir).create({ name: 'reader', role: 'viewer' });
  const app = Fastify();
  await prepareApiServer(app, { config, logger: createLogger('api-test', { level: 'silent' }), getRun: async (id) => ({ runId: id }), artifacts: new LocalArtifactStore(join(config.dataDir, 'artifacts')) });
  await app.listen({ port: 0, host: '127.0.0.1' });
  const address = app.server.address();
  const base = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`;
  try {
    await check(async (path, t = token) => {
      const res = await fetch(`${base}${path}`, t ? { headers: { authorization: `Bearer ${t}` } } : {});
      return { status: res.status, body: await res.json() };
    }, ids);
  } finally {
    await app.close();
  }
}

async function checkRoutes(get: (path: string, token?: string) => Promise<{ status: number; body: unknown }>, ids: string[]) {
  const [older = '', newer = ''] = ids;
  assert.equal((await get('/v1/datasets', '')).status, 401, 'no token: refused');
  const list = await get('/v1/datasets');
  assert.equal(list.status, 200, JSON.stringify(list.body));
  const rows = (list.body as { datasets: DatasetVersionRow[] }).datasets;
  assert.deepEqual(
    rows.map((r) => ('error' in r ? [r.id, r.error] : [r.name, r.id, r.samples, r.classes, r.signers, r.frames, r.latest])),
    [
      ['signs', older, 3, 2, 2, 75, false],
      ['signs', newer, 4, 3, 2, 85, true],
    ],
  );
  assert.ok(rows.every((r) => !Number.isNaN(Date.parse(r.createdAt))));

  const one = await get(`/v1/datasets/signs/${older.slice(0, 10)}`);
  assert.equal(one.status, 200, JSON.stringify(one.body));
  const s = one.body as DatasetVersionSummary;
  assert.equal(s.id, older);
  assert.equal(s.latest, false);
  assert.deepEqual(s.classCounts, { hello: 2, thanks: 1 });
  assert.deepEqual(s.signerCounts, { ana: 1, ben: 1, '(none)': 1 });
  assert.deepEqual(s.quality.flagged, { blur: 1 });
  assert.deepEqual(s.quality.skipped, { 'wrong-shape': 1 });
  assert.equal(s.frames, 75);
  assert.equal(s.layout, MSL150_LAYOUT.id);

  const missing = await get('/v1/datasets/signs/abcdef0');
  assert.equal(missing.status, 404);
  assert.equal((missing.body as { error: { code: string } }).error.code, 'DATASET_NOT_FOUND');
  const bad = await get('/v1/datasets/signs/xyz');
  assert.equal(bad.status, 400);
  assert.match((bad.body as { error: { message: string } }).error.message, /version id or a prefix/);
}

test('GET /v1/datasets and /v1/datasets/:name/:version on the signflow API, local store, viewer token', async () => {
  await using dir = await tempDir();
  await serve({ dataDir: dir.path }, checkRoutes);
});

test('the same routes serve a NATS object store when datasets.store says so', async () => {
  await using nats = await startTestNats();
  await using dir = await tempDir();
  await serve({ dataDir: dir.path, nats: { url: nats.url }, datasets: { store: { kind: 'nats', bucket: 'api_datasets' } } }, checkRoutes);
});
