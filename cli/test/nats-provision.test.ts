import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { connect } from '@nats-io/transport-node';
import { ensureNatsAuth, loadConfig, natsAuthPaths, natsServiceConnectOptions } from '@signflow/core';
import { startTestNats, tempDir } from '@signflow/testkit';
import { runCli } from './run-cli.js';

test('signflow nats provision (the chart’s hook Job) creates the streams and the camera bucket on an existing NATS with the configured credentials, once', async () => {
  await using dir = await tempDir();
  const auth = ensureNatsAuth(loadConfig({ env: {}, overrides: { dataDir: dir.path } }).config);
  assert.ok(auth);
  await using nats = await startTestNats({ extraConfig: auth.config, probeConnectOptions: natsServiceConnectOptions(dir.path) });
  await assert.rejects(connect({ servers: nats.url, reconnect: false, timeout: 3000 }), /authorization/i, 'anonymous clients are refused');

  const anonymous = await runCli(['--json', 'nats', 'provision'], { SIGNFLOW_NATS_URL: nats.url, SIGNFLOW_DATA_DIR: `${dir.path}/elsewhere` });
  assert.equal(anonymous.code, 1, 'without credentials the server refuses');
  assert.match(anonymous.stderr, /authorization/i);

  const env = { SIGNFLOW_NATS_URL: nats.url, SIGNFLOW_DATA_DIR: `${dir.path}/elsewhere`, SIGNFLOW_NATS_CREDENTIALS: `${natsAuthPaths(dir.path).creds}/signflow.nk` };
  const first = await runCli(['--json', 'nats', 'provision'], env);
  assert.equal(first.code, 0, first.stderr);
  assert.deepEqual((JSON.parse(first.stdout) as { created: string[] }).created.sort(), ['KV_signflow_cameras', 'SIGNFLOW_CAPTIONS', 'SIGNFLOW_FRAMES', 'SIGNFLOW_LANDMARKS']);
  const again = await runCli(['--json', 'nats', 'provision'], env);
  assert.deepEqual((JSON.parse(again.stdout) as { created: string[] }).created, [], 'idempotent');
});

test('signflow nats users lists the users with their credentials files, never a seed', async () => {
  await using dir = await tempDir();
  const auth = ensureNatsAuth(loadConfig({ env: {}, overrides: { dataDir: dir.path } }).config);
  const result = await runCli(['--json', '--data-dir', dir.path, 'nats', 'users']);
  assert.equal(result.code, 0, result.stderr);
  const doc = JSON.parse(result.stdout) as { users: { name: string; credentials: string; inboxPrefix: string; publish: string[] }[] };
  const camera = doc.users.find((u) => u.name === 'demo-front');
  assert.equal(camera?.inboxPrefix, '_INBOX_demo-front');
  assert.ok(camera?.publish.includes('signflow.frames.demo.front'));
  for (const u of auth?.users ?? []) assert.ok(!result.stdout.includes(readFileSync(u.seedFile, 'utf8').trim()), `the seed of ${u.name}`);
  await using empty = await tempDir();
  const none = await runCli(['--data-dir', empty.path, 'nats', 'users']);
  assert.equal(none.code, 1);
  assert.match(none.stderr, /signflow up. writes the default ones/);
});
