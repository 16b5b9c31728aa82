import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { readFile, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import test from 'node:test';
import { connect, type NatsConnection } from '@nats-io/transport-node';
import { jetstream, jetstreamManager } from '@nats-io/jetstream';
import { Objm, type ObjectStore } from '@nats-io/obj';
import { startTestNats, tempDir } from '@signflow/testkit';
import { NatsObjectBucket, NatsObjectStoreError, type NatsObjectFailure } from '../src/index.js';

const BUCKET = 'signflow_objects';

const sha256 = (bytes: Uint8Array) => createHash('sha256').update(bytes).digest('hex');

/** Asserts a NatsObjectStoreError of `reason` whose message matches `message`. */
function failsWith(reason: NatsObjectFailure, message: RegExp) {
  return (err: unknown) => {
    assert.ok(err instanceof NatsObjectStoreError, `not a NatsObjectStoreError: ${String(err)}`);
    assert.equal(err.code, 'NATS_OBJECT_STORE');
    assert.equal(err.reason, reason, err.message);
    assert.match(err.message, message);
    return true;
  };
}

/** A second, plain client on the bucket: what the test inspects and damages behind the bucket's back. */
async function rawBucket(url: string): Promise<{ nc: NatsConnection; os: ObjectStore } & AsyncDisposable> {
  const nc = await connect({ servers: url });
  const os = await new Objm(nc).open(BUCKET);
  return { nc, os, [Symbol.asyncDispose]: () => nc.close() };
}

test('NatsObjectBucket: files and bytes go in chunked, come back whole or by range on another connection, are listed, skipped when held and deleted', async () => {
  await using nats = await startTestNats();
  await using tmp = await tempDir();
  const big = randomBytes(1_500_000); // > the 1 MB max payload: several chunks
  const file = join(tmp.path, 'big.bin');
  await writeFile(file, big);
  const writer = new NatsObjectBucket({ servers: nats.url, bucket: BUCKET });
  const reader = await NatsObjectBucket.connect({ servers: nats.url, bucket: BUCKET });
  try {
    const bigKey = `blobs/${sha256(big)}`;
    assert.equal(await writer.putFile(bigKey, file, { sha256: sha256(big) }), true);
    assert.equal(await writer.putBytes('docs/a.json', Buffer.from('{"a":1}')), true);
    assert.equal(await writer.putBytes('docs/empty', new Uint8Array(0)), true);

    const held = await reader.stat(bigKey);
    assert.ok(held && held.chunks > 1, `chunks: ${held?.chunks}`);
    assert.equal(held.size, big.length);
    assert.equal(held.sha256, sha256(big));
    assert.equal(await reader.holds(bigKey, sha256(big)), true);
    assert.equal(await reader.holds(bigKey, sha256(Buffer.from('other'))), false, 'another digest is not held');
    assert.deepEqual(Buffer.from(await reader.get(bigKey)), big);
    assert.deepEqual(Buffer.from(await reader.get(bigKey, { offset: 1_200_000, length: 77 })), big.subarray(1_200_000, 1_200_077));
    assert.equal((await reader.get('docs/empty')).byteLength, 0);
    const copy = join(tmp.path, 'copy.bin');
    assert.deepEqual(await reader.download(bigKey, copy), { sha256: sha256(big), size: big.length });
    assert.deepEqual(await readFile(copy), big);
    assert.deepEqual(await reader.list('docs/'), ['docs/a.json', 'docs/empty']);
    assert.equal(reader.uri('docs/a.json'), `nats://${BUCKET}/docs/a.json`);

    await using raw = await rawBucket(nats.url);
    const revision = (await raw.os.info(bigKey))?.revision;
    assert.equal(await writer.putFile(bigKey, file, { sha256: sha256(big) }), false, 'held whole: not written again');
    assert.equal((await raw.os.info(bigKey))?.revision, revision);
    await assert.rejects(writer.putBytes('blobs/wrong', Buffer.from('abc'), { sha256: sha256(Buffer.from('abd')) }), failsWith('corrupt', /blobs\/wrong was stored with sha256 [0-9a-f]{64}, expected/));

    assert.equal(await writer.delete('docs/a.json'), true);
    assert.equal(await writer.delete('docs/a.json'), false, 'nothing left to delete');
    assert.equal(await reader.stat('docs/a.json'), undefined);
    assert.deepEqual(await reader.list('docs/'), ['docs/empty']);
  } finally {
    await writer.close();
    await reader.close();
  }
});

test('NatsObjectBucket: a missing, short, chunk-damaged or stalled object, a bad key, range or bucket name is a NatsObjectStoreError naming it', async () => {
  await using nats = await startTestNats();
  await using tmp = await tempDir();
  assert.throws(() => new NatsObjectBucket({ servers: nats.url, bucket: 'bad.bucket' }), failsWith('bad-input', /nats:\/\/bad\.bucket: a bucket name is letters, digits/));
  const bucket = new NatsObjectBucket({ servers: nats.url, bucket: BUCKET, readIdleTimeoutMs: 500 });
  try {
    await assert.rejects(bucket.get('docs/none'), failsWith('missing', new RegExp(`object nats://${BUCKET}/docs/none is missing`)));
    await assert.rejects(bucket.download('docs/none', join(tmp.path, 'none')), failsWith('missing', /docs\/none is missing/));
    assert.equal(await stat(join(tmp.path, 'none')).catch(() => undefined), undefined, 'a missing object leaves no file');
    await assert.rejects(bucket.get('../escape'), failsWith('bad-input', /bad object key "\.\.\/escape"/));
    await assert.rejects(bucket.putBytes('a//b', new Uint8Array(1)), failsWith('bad-input', /bad object key "a\/\/b"/));
    await bucket.putBytes('docs/small', Buffer.from('0123456789'));
    await assert.rejects(bucket.get('docs/small', { offset: 4, length: 10 }), failsWith('truncated', /docs\/small is truncated: wanted 10 bytes at 4, it holds 10/));
    await assert.rejects(bucket.get('docs/small', { offset: -1, length: 2 }), failsWith('bad-input', /bad range/));
    assert.equal(Buffer.from(await bucket.get('docs/small', { offset: 4, length: 6 })).toString(), '456789');

    // one chunk of an object lost from the bucket's stream: not held, and a read fails its digest check
    const bytes = randomBytes(400_000);
    await bucket.putBytes('blobs/damaged', bytes, { sha256: sha256(bytes) });
    await using raw = await rawBucket(nats.url);
    const info = await raw.os.info('blobs/damaged');
    assert.ok(info && info.chunks > 2, `chunks: ${info?.chunks}`);
    const chunks = `$O.${BUCKET}.C.${info.nuid}`;
    const consumer = await jetstream(raw.nc).consumers.get(`OBJ_${BUCKET}`, { filter_subjects: [chunks] });
    await consumer.next();
    const second = await consumer.next();
    assert.ok(second);
    const jsm = await jetstreamManager(raw.nc);
    await jsm.streams.deleteMessage(`OBJ_${BUCKET}`, second.seq);
    assert.equal(await bucket.holds('blobs/damaged', sha256(bytes)), false, 'a chunk is gone: not held');
    await assert.rejects(bucket.get('blobs/damaged'), failsWith('corrupt', /blobs\/damaged is corrupt: .*digests do not match/));
    assert.equal(await bucket.putBytes('blobs/damaged', bytes, { sha256: sha256(bytes) }), true, 'written again: repaired');
    assert.deepEqual(Buffer.from(await bucket.get('blobs/damaged')), bytes);

    // every chunk gone: the read fails after the idle timeout instead of hanging
    const whole = await raw.os.info('blobs/damaged');
    assert.ok(whole);
    await jsm.streams.purge(`OBJ_${BUCKET}`, { filter: `$O.${BUCKET}.C.${whole.nuid}` });
    await assert.rejects(bucket.get('blobs/damaged'), failsWith('stalled', /blobs\/damaged stalled: no chunk for 500 ms \(chunks missing/));
  } finally {
    await bucket.close();
  }
});

test('NatsObjectBucket: an unreachable server, missing credentials or a user without JetStream fail the open and name the fix; right credentials open it', async () => {
  const nowhere = new NatsObjectBucket({ servers: 'nats://127.0.0.1:1', bucket: BUCKET, connectOptions: { maxReconnectAttempts: 0, timeout: 2000 } });
  await assert.rejects(nowhere.list(), failsWith('connect', /cannot connect to NATS at nats:\/\/127\.0\.0\.1:1 .*start the stack .*nats\.credentials/));
  await nowhere.close();

  const users = 'authorization { users: [ { user: svc, password: svc-secret }, { user: nojs, password: nojs-secret, permissions: { publish: { deny: "$JS.>" } } } ] }';
  await using nats = await startTestNats({ extraConfig: users, probeConnectOptions: { user: 'svc', pass: 'svc-secret' } });
  await assert.rejects(NatsObjectBucket.connect({ servers: nats.url, bucket: BUCKET, connectOptions: { reconnect: false } }), failsWith('connect', /cannot connect to NATS at .*authorization/i));
  await assert.rejects(
    NatsObjectBucket.connect({ servers: nats.url, bucket: BUCKET, connectOptions: { reconnect: false, user: 'nojs', pass: 'nojs-secret', timeout: 2000 } }),
    failsWith('open', /cannot open the bucket .*may this NATS user use it/),
  );
  const bucket = await NatsObjectBucket.connect({ servers: nats.url, bucket: BUCKET, connectOptions: { user: 'svc', pass: 'svc-secret' } });
  try {
    await bucket.putBytes('docs/x', Buffer.from('ok'));
    assert.equal(Buffer.from(await bucket.get('docs/x')).toString(), 'ok');
  } finally {
    await bucket.close();
  }
});
