import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readdir, readFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { connect, type NatsConnection } from '@nats-io/transport-node';
import { jetstream, jetstreamManager } from '@nats-io/jetstream';
import { Objm, type ObjectStore } from '@nats-io/obj';
import { fixture, startTestNats, tempDir } from '@signflow/testkit';
import { blobKey, DatasetStore, DatasetStoreError, exportDataset, importSource, NatsObjectBackend, openDataset, openMsl150 } from '../src/index.js';

const BUCKET = 'signflow_datasets';

async function natsStore(url: string): Promise<DatasetStore> {
  return new DatasetStore(await NatsObjectBackend.connect({ servers: url, bucket: BUCKET }));
}

/** A second, plain client on the bucket: what the test inspects and damages behind the store's back. */
async function rawBucket(url: string): Promise<{ nc: NatsConnection; os: ObjectStore } & AsyncDisposable> {
  const nc = await connect({ servers: url });
  const os = await new Objm(nc).open(BUCKET);
  return { nc, os, [Symbol.asyncDispose]: () => nc.close() };
}

async function filesOf(dir: string): Promise<Map<string, Buffer>> {
  const out = new Map<string, Buffer>();
  for (const name of (await readdir(dir, { recursive: true, withFileTypes: true })).filter((e) => e.isFile())) {
    const path = join(name.parentPath, name.name);
    out.set(path.slice(dir.length), await readFile(path));
  }
  return out;
}

test('NATS object store: import → ls → show → export give exactly what the local store gives; the 2.8 MB data blob is chunked', async () => {
  await using nats = await startTestNats();
  await using dir = await tempDir();
  const local = DatasetStore.local(join(dir.path, 'local'));
  const remote = await natsStore(nats.url);
  try {
    const a = await importSource(await openMsl150(fixture('msl150')), { store: local, name: 'msl150' });
    const b = await importSource(await openMsl150(fixture('msl150')), { store: remote, name: 'msl150' });
    assert.equal(b.id, a.id, 'same content, same version id in either store');
    assert.equal(b.manifest.sampleCount, 86);

    const strip = (rows: Awaited<ReturnType<DatasetStore['list']>>) => rows.map(({ createdAt: _c, ...r }) => r);
    assert.deepEqual(strip(await remote.list()), strip(await local.list()));
    assert.deepEqual(await remote.manifest(b.id), await local.manifest(a.id));
    assert.match((await remote.artifactRef(b.id)).uri, new RegExp(`^nats://${BUCKET}/versions/${b.id}\\.json$`));

    for (const format of ['dir', 'npy'] as const) {
      const fromLocal = await exportDataset(await openDataset('msl150', { store: local }), format, join(dir.path, `local-${format}`));
      const fromNats = await exportDataset(await openDataset('msl150', { store: remote }), format, join(dir.path, `nats-${format}`));
      const l = await filesOf(fromLocal.out);
      const n = await filesOf(fromNats.out);
      assert.deepEqual([...n.keys()].sort(), [...l.keys()].sort());
      for (const [path, bytes] of l) assert.ok(n.get(path)?.equals(bytes), `${format}: ${path} differs`);
    }
    // a sample read by range (without loading the data blob) matches the local one
    const ls = await (await openDataset(a.id, { store: local })).sample(40);
    const ns = await (await openDataset(b.id, { store: remote })).sample(40);
    assert.deepEqual(Array.from(ns.data), Array.from(ls.data));

    await using raw = await rawBucket(nats.url);
    const data = await raw.os.info(blobKey(b.manifest.files.data.sha256));
    const maxPayload = raw.nc.info?.max_payload ?? 0;
    assert.ok(maxPayload > 0);
    assert.ok(data && data.size === b.manifest.files.data.bytes && data.size > maxPayload, `data blob ${data?.size} bytes > max payload ${maxPayload}`);
    assert.ok(data.chunks > 1, `${data.chunks} chunks`);
  } finally {
    await remote.close();
  }
});

test('NATS object store: the same content is the same version and its objects are not written again', async () => {
  await using nats = await startTestNats();
  const store = await natsStore(nats.url);
  try {
    const source = async () => openMsl150(fixture('msl150'), {});
    const first = await importSource(await source(), { store, name: 'msl150' });
    await using raw = await rawBucket(nats.url);
    const keys = [blobKey(first.manifest.files.data.sha256), blobKey(first.manifest.files.index.sha256), `versions/${first.id}.json`];
    const before = await Promise.all(keys.map(async (k) => (await raw.os.info(k))?.revision));
    const again = await importSource(await source(), { store, name: 'msl150' });
    assert.equal(again.id, first.id);
    const after = await Promise.all(keys.map(async (k) => (await raw.os.info(k))?.revision));
    assert.deepEqual(after, before, 'content-addressed objects keep their first revision');
    assert.ok(before.every((r) => typeof r === 'number'));
    assert.deepEqual((await store.list()).map((v) => [v.name, v.id]), [['msl150', first.id]]);
  } finally {
    await store.close();
  }
});

test('NATS object store: a chunk-damaged, an altered or a missing object is a clear DatasetStoreError; importing again repairs it', async () => {
  await using nats = await startTestNats();
  const store = await natsStore(nats.url);
  try {
    const v = await importSource(await openMsl150(fixture('msl150'), {}), { store, name: 'msl150' });
    await using raw = await rawBucket(nats.url);

    // a chunk of the data blob lost from the bucket's stream: the object store's digest check fails
    const info = await raw.os.info(blobKey(v.manifest.files.data.sha256));
    assert.ok(info && info.chunks > 2);
    const consumer = await jetstream(raw.nc).consumers.get(`OBJ_${BUCKET}`, { filter_subjects: [`$O.${BUCKET}.C.${info.nuid}`] });
    await consumer.next();
    const second = await consumer.next();
    assert.ok(second);
    await (await jetstreamManager(raw.nc)).streams.deleteMessage(`OBJ_${BUCKET}`, second.seq);
    const ds = await openDataset('msl150', { store });
    await assert.rejects(ds.load(), (err: unknown) => err instanceof DatasetStoreError && /is corrupt: .*digests do not match.*re-import/.test(err.message));

    // index bytes replaced behind the store's back: the sha256 named by the manifest no longer matches
    await raw.os.putBlob({ name: blobKey(v.manifest.files.index.sha256) }, new TextEncoder().encode('[]'));
    await assert.rejects(openDataset(v.id, { store }), (err: unknown) => err instanceof DatasetStoreError && /index file fails its sha256 check \(corrupt store\)/.test(err.message));

    // the manifest object deleted: the version is named as missing
    await raw.os.delete(`versions/${v.id}.json`);
    await assert.rejects(openDataset('msl150', { store }), (err: unknown) => err instanceof DatasetStoreError && err.message.includes(`store object nats://${BUCKET}/versions/${v.id}.json is missing`));

    // importing again repairs the store: damaged content-addressed objects are rewritten
    const again = await importSource(await openMsl150(fixture('msl150'), {}), { store, name: 'msl150' });
    assert.equal(again.id, v.id);
    const repaired = await openDataset('msl150', { store });
    await repaired.load();
    assert.equal((await repaired.sample(85)).frames, 30);
  } finally {
    await store.close();
  }
});

test('signflow dataset --store nats: the real command imports into the bucket, ls and show read it, the local store stays empty', async () => {
  await using nats = await startTestNats();
  await using dir = await tempDir();
  const bin = resolve(import.meta.dirname, '..', '..', 'cli', 'bin', 'signflow.js');
  const signflow = (...args: string[]) => {
    const r = spawnSync(process.execPath, [bin, ...args], { encoding: 'utf8', env: { ...process.env, SIGNFLOW_DATA_DIR: dir.path, SIGNFLOW_NATS_URL: nats.url }, timeout: 60_000 });
    return { code: r.status ?? -1, stdout: r.stdout, stderr: r.stderr };
  };
  const imp = signflow('--json', 'dataset', 'import', 'pose', fixture('pose-format', 'hand_estimation'), '--name', 'hands', '--gloss-from', 'file', '--store', 'nats');
  assert.equal(imp.code, 0, imp.stderr);
  const id = (JSON.parse(imp.stdout) as { id: string }).id;
  const ls = signflow('--json', 'dataset', '--store', 'nats', 'ls');
  assert.equal(ls.code, 0, ls.stderr);
  assert.deepEqual((JSON.parse(ls.stdout) as { name: string; id: string; samples: number }[]).map((r) => [r.name, r.id, r.samples]), [['hands', id, 3]]);
  const show = signflow('dataset', 'show', 'hands', '--store', 'nats');
  assert.equal(show.code, 0, show.stderr);
  assert.match(show.stdout, /class counts/);
  assert.deepEqual(JSON.parse(signflow('--json', 'dataset', 'ls').stdout), [], 'the default local store holds nothing');
  const bad = signflow('dataset', 'ls', '--store', 's3');
  assert.equal(bad.code, 1);
  assert.match(bad.stderr, /--store "s3": use local or nats/);
  await using raw = await rawBucket(nats.url);
  assert.ok(await raw.os.info(`versions/${id}.json`), 'the version manifest is in the bucket');
});

test('NATS object store: an object whose chunks are all gone fails after the idle timeout instead of hanging', async () => {
  await using nats = await startTestNats();
  const backend = await NatsObjectBackend.connect({ servers: nats.url, bucket: BUCKET, readIdleTimeoutMs: 500 });
  try {
    await backend.put('refs/gone.json', new Uint8Array(300_000).fill(7));
    assert.equal((await backend.get('refs/gone.json')).byteLength, 300_000);
    await using raw = await rawBucket(nats.url);
    const info = await raw.os.info('refs/gone.json');
    assert.ok(info && info.chunks > 1);
    await (await jetstreamManager(raw.nc)).streams.purge(`OBJ_${BUCKET}`, { filter: `$O.${BUCKET}.C.${info.nuid}` });
    await assert.rejects(backend.get('refs/gone.json'), (err: unknown) => err instanceof DatasetStoreError && /refs\/gone\.json: no chunk for 500 ms \(chunks missing/.test(err.message));
  } finally {
    await backend.close();
  }
});
