import { test } from 'node:test';
import assert from 'node:assert/strict';
import { chmodSync } from 'node:fs';
import { bootstrapAdminToken, loadConfig } from '@signflow/core';
import { tempDir } from '@signflow/testkit';
import { authFinding } from '../src/commands/doctor.js';

test('doctor: auth on with the local token 0600; a token file others can read is a finding with the chmod fix; auth off is said loudly', async () => {
  await using dir = await tempDir();
  const config = loadConfig({ env: {}, overrides: { dataDir: dir.path } }).config;
  assert.match(authFinding(config).detail, /no local admin token yet/);
  const boot = await bootstrapAdminToken(dir.path);
  assert.deepEqual({ ok: authFinding(config).ok, detail: authFinding(config).detail }, { ok: true, detail: 'on; local admin token and 0 NATS credentials, mode 0600' });
  chmodSync(boot.file, 0o644);
  const open = authFinding(config);
  assert.equal(open.ok, false);
  assert.equal(open.fix, `chmod 600 ${boot.file}`);
  assert.ok(!JSON.stringify(open).includes(boot.created ? boot.token : 'x'), 'the finding names the file, not the token');
  const off = loadConfig({ env: {}, overrides: { dataDir: dir.path, auth: { mode: 'off' } } }).config;
  assert.match(authFinding(off).detail, /^OFF/);
});
