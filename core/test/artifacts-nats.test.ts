import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import test from 'node:test';
import { connect } from '@nats-io/transport-node';
import { Objm } from '@nats-io/obj';
import { startTestNats, tempDir } from '@signflow/testkit';
import { ArtifactStoreError, hashDirectory, LocalArtifactStore, loadConfig, NatsArtifactStore, openArtifactStore, ValidationError } from '../src/index.js';

const BUCKET = 'signflow_artifacts';

async function sampleDir(root: string): Promise<{ dir: string; big: Buffer }> {
  const dir = join(root, 'model');
  await mkdir(join(dir, 'nested', 'deeper'), { recursive: true });
  const big = randomBytes(1_700_000); // > 1 MB: several object store chunks
  await writeFile(join(dir, 'weights.bin'), big);
  await writeFile(join(dir, 'model.json'), JSON.stringify({ layers: 3 }));
  await writeFile(join(dir, 'nested', 'deeper', 'labels.txt'), 'hello\nthanks\n');
  await writeFile(join(dir, 'nested', 'copy.bin'), big); // same content twice: stored once
  return { dir, big };
}

test('NATS artifact store: a directory and bytes get the local store digests, come back whole from another connection, and a deleted object is not there', async () => {
  await using nats = await startTestNats();
  await using tmp = await tempDir();
  const { dir, big } = await sampleDir(tmp.path);
  const local = new LocalArtifactStore(join(tmp.path, 'local'));
  const writer = new NatsArtifactStore({ servers: nats.url, bucket: BUCKET, cacheDir: join(tmp.path, 'cache-a') });
  const reader = openArtifactStore(`nats://${BUCKET}`, { nats: { servers: nats.url }, cacheDir: join(tmp.path, 'cache-b') });
  try {
    assert.equal(writer.rootUri, 'nats://signflow_artifacts');
    const a = await local.put(dir, 'model', { accuracy: 0.9 });
    const b = await writer.put(dir, 'model', { accuracy: 0.9 });
    assert.equal(b.sha256, a.sha256, 'same directory digest as the local store');
    assert.equal(b.sizeBytes, a.sizeBytes);
    assert.deepEqual(b.metadata, a.metadata);
    assert.match(b.uri, /^nats:\/\/signflow_artifacts\/sha256\/[0-9a-f]{2}\/[0-9a-f]{64}\.manifest$/);
    assert.equal(await reader.exists(b), true);
    assert.equal(await reader.exists(a), false, 'a file:// artifact is not in the NATS store');

    const fetched = await reader.localPath(b);
    assert.ok(fetched.startsWith(join(tmp.path, 'cache-b')));
    assert.equal((await hashDirectory(fetched)).sha256, b.sha256);
    assert.deepEqual(await readFile(join(fetched, 'nested', 'copy.bin')), big);
    assert.equal(await reader.localPath(b), fetched, 'fetched once, then served from the cache');

    const bytes = randomBytes(1_300_000);
    const p = await writer.putBytes(bytes, 'file');
    assert.equal(p.sha256, (await local.putBytes(bytes, 'file')).sha256);
    assert.equal(p.sizeBytes, bytes.length);
    assert.deepEqual(await readFile(await reader.localPath(p)), bytes);
    const again = await writer.putBytes(bytes, 'file');
    assert.equal(again.uri, p.uri);

    // delete behind the store's back: the blob of labels.txt, and the bytes object
    const nc = await connect({ servers: nats.url });
    try {
      const os = await new Objm(nc).open(BUCKET);
      const labels = (await hashDirectory(dir)).entries.find((e) => e.path === 'nested/deeper/labels.txt');
      assert.ok(labels);
      await os.delete(`sha256/${labels.sha256.slice(0, 2)}/${labels.sha256}`);
      await os.delete(p.uri.slice('nats://signflow_artifacts/'.length));
    } finally {
      await nc.close();
    }
    assert.equal(await reader.exists(p), false, 'deleted bytes are gone');
    assert.equal(await reader.exists(b), false, 'a directory missing one file is not there');
    const fresh = new NatsArtifactStore({ servers: nats.url, bucket: BUCKET, cacheDir: join(tmp.path, 'cache-c') });
    try {
      await assert.rejects(fresh.localPath(b), (err: unknown) => err instanceof ArtifactStoreError && /missing or incomplete/.test(err.message));
      await assert.rejects(fresh.localPath(p), ArtifactStoreError);
      // storing again repairs it
      await fresh.put(dir, 'model');
      assert.equal(await fresh.exists(b), true);
    } finally {
      await fresh.close();
    }
  } finally {
    await writer.close();
    await reader.close?.();
  }
});

test('NATS artifact store: logs appended in pieces are read from any offset by a second connection exactly as the local store reads them', async () => {
  await using nats = await startTestNats();
  await using tmp = await tempDir();
  const local = new LocalArtifactStore(join(tmp.path, 'local'));
  const writer = new NatsArtifactStore({ servers: nats.url, bucket: BUCKET });
  const reader = new NatsArtifactStore({ servers: nats.url, bucket: BUCKET });
  const key = 'runs/run-1/train-0a1b/attempt-1.log';
  try {
    assert.equal(await reader.readLog(key), undefined, 'no log yet');
    const chunks = ['epoch 1/3 loss 0.9\n', 'épreuve ✓ 2/3\n', 'x'.repeat(700_000) + '\n', ...Array.from({ length: 40 }, (_, i) => `line ${i}\n`)];
    for (const chunk of chunks) {
      await writer.appendLog(key, chunk);
      await local.appendLog(key, chunk);
    }
    const whole = await local.readLog(key);
    assert.ok(whole);
    const remote = await reader.readLog(key);
    assert.deepEqual(remote, whole);
    for (const offset of [1, 19, 20, 36, 500_000, whole.size - 8, whole.size - 1, whole.size, whole.size + 5]) {
      assert.deepEqual(await reader.readLog(key, offset), await local.readLog(key, offset), `from offset ${offset}`);
    }
    assert.equal(writer.logUri(key), `nats://${BUCKET}/logs/${key}`);

    // two writers on one log (a retried step, a second worker): nothing lost, offsets stay exact
    const more = Array.from({ length: 10 }, (_, i) => `more ${i}\n`);
    await Promise.all(more.map((m, i) => (i % 2 ? writer : reader).appendLog(key, m)));
    const after = await reader.readLog(key, whole.size);
    assert.ok(after);
    assert.equal(after.size, whole.size + more.join('').length);
    assert.deepEqual(after.text.split('\n').filter(Boolean).sort(), more.map((m) => m.trim()).sort());

    await writer.writeJson('cache/abc.json', { hit: true, n: 1 });
    assert.deepEqual(await reader.readJson('cache/abc.json'), { hit: true, n: 1 });
    assert.equal(await reader.readJson('cache/none.json'), undefined);
    await assert.rejects(reader.writeJson('../escape', {}), /artifact store key/);
  } finally {
    await writer.close();
    await reader.close();
  }
});

test('artifact store URIs: artifacts.store and SIGNFLOW_ARTIFACT_STORE are checked at the edge; an unreachable NATS store names the fix', async () => {
  const base = { dataDir: '/tmp/sf' };
  assert.equal(loadConfig({ env: {}, overrides: base }).config.artifacts.store, undefined);
  assert.equal(loadConfig({ env: { SIGNFLOW_ARTIFACT_STORE: 'nats://cluster_artifacts' }, overrides: base }).config.artifacts.store, 'nats://cluster_artifacts');
  assert.throws(() => loadConfig({ env: { SIGNFLOW_ARTIFACT_STORE: 's3://bucket/x' }, overrides: base }), (err: unknown) => err instanceof ValidationError && /artifacts\.store/.test(err.message));
  assert.throws(() => openArtifactStore('nats://bad.bucket/x'), ArtifactStoreError);
  assert.ok(openArtifactStore('file:///tmp/sf/artifacts') instanceof LocalArtifactStore);
  const store = openArtifactStore('nats://signflow_artifacts', { nats: { servers: 'nats://127.0.0.1:1', maxReconnectAttempts: 0 } });
  await assert.rejects(store.readJson('x.json'), (err: unknown) => err instanceof ArtifactStoreError && /cannot connect to NATS/.test(err.message));
  await store.close?.();
});
