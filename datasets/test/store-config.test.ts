import { test } from 'node:test';
import assert from 'node:assert/strict';
import { loadConfig, ValidationError } from '@signflow/core';
import { tempDir } from '@signflow/testkit';
import { DatasetStoreError, LocalDiskBackend, openConfiguredStore } from '../src/index.js';

test('datasets.store: local by default, nats from the config or SIGNFLOW_DATASETS_STORE/_BUCKET, bad values named', async () => {
  await using dir = await tempDir();
  const base = { dataDir: dir.path };
  assert.deepEqual(loadConfig({ env: {}, overrides: base }).config.datasets.store, { kind: 'local' });
  assert.deepEqual(loadConfig({ env: {}, overrides: { ...base, datasets: { store: { kind: 'nats' } } } }).config.datasets.store, { kind: 'nats', bucket: 'signflow_datasets', replicas: 1 });
  assert.deepEqual(loadConfig({ env: { SIGNFLOW_DATASETS_STORE: 'nats', SIGNFLOW_DATASETS_BUCKET: 'cluster_sets' }, overrides: base }).config.datasets.store, {
    kind: 'nats',
    bucket: 'cluster_sets',
    replicas: 1,
  });
  assert.throws(() => loadConfig({ env: { SIGNFLOW_DATASETS_STORE: 's3' }, overrides: base }), (err: unknown) => err instanceof ValidationError && /datasets\.store/.test(err.message));
  assert.throws(
    () => loadConfig({ env: {}, overrides: { ...base, datasets: { store: { kind: 'nats', bucket: 'a.b' } } } }),
    (err: unknown) => err instanceof ValidationError && /datasets\.store\.bucket/.test(err.message),
  );

  const config = loadConfig({ env: {}, overrides: base }).config;
  const local = await openConfiguredStore(config);
  assert.ok(local.backend instanceof LocalDiskBackend);
  assert.equal(local.backend.root, `${dir.path}/datasets`);
  await assert.rejects(openConfiguredStore(config, 's3'), (err: unknown) => err instanceof DatasetStoreError && /--store "s3": use local or nats/.test(err.message));
  // nats chosen but no server there: a clear error naming the URL and the fix
  const nowhere = loadConfig({ env: {}, overrides: { ...base, nats: { url: 'nats://127.0.0.1:1' } } }).config;
  await assert.rejects(openConfiguredStore(nowhere, 'nats'), (err: unknown) => err instanceof DatasetStoreError && /cannot connect to NATS at nats:\/\/127\.0\.0\.1:1: start the stack/.test(err.message));
});
