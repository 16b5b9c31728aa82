import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, statSync, writeFileSync } from 'node:fs';
import { tempDir } from '@signflow/testkit';
import { TokenStore, TokenStoreError, ValidationError, authorize, UnauthenticatedError, ForbiddenError, roleAllows, requiredRole } from '../src/index.js';

test('tokens are stored hashed, verified, listed without secrets and revoked', async () => {
  await using dir = await tempDir();
  const store = new TokenStore(dir.path);
  const { token, info } = await store.create({ name: 'alice', role: 'operator' });
  assert.match(token, /^sft_[0-9a-f]{16}_[A-Za-z0-9_-]{43}$/);
  const text = readFileSync(store.file, 'utf8');
  assert.ok(!text.includes(token.split('_')[2] ?? token), 'the secret is not in the file');
  assert.match(text, /"hash": "scrypt\$16384\$8\$1\$/);
  assert.equal(statSync(store.file).mode & 0o777, 0o600, 'token file readable by the owner only');

  assert.deepEqual(await store.verify(token), { tokenId: info.id, name: 'alice', role: 'operator' });
  const tampered = token.slice(0, -2) + (token.endsWith('AA') ? 'BB' : 'AA');
  assert.equal(await store.verify(tampered), undefined, 'a wrong secret with a known id is refused');
  assert.equal(await store.verify('sft_0000000000000000_' + 'A'.repeat(43)), undefined);
  assert.equal(await store.verify('not-a-token'), undefined);

  const listed = store.list();
  assert.equal(listed.length, 1);
  assert.equal(JSON.stringify(listed).includes('scrypt'), false, 'ls never shows hashes');

  // another process (here: another store on the same file) sees a revoke at once, cache or not
  const other = new TokenStore(dir.path);
  assert.equal((await other.verify(token))?.name, 'alice');
  store.revoke('alice');
  assert.equal(await other.verify(token), undefined);
  assert.throws(() => store.revoke('alice'), (err: unknown) => err instanceof TokenStoreError && /signflow token ls/.test(err.message));
});

test('expired tokens, duplicate names, bad roles and a corrupt file are refused clearly', async () => {
  await using dir = await tempDir();
  const store = new TokenStore(dir.path);
  const { token } = await store.create({ name: 'ci', role: 'viewer', expiresAt: new Date(Date.now() + 60_000) });
  assert.equal((await store.verify(token))?.role, 'viewer');
  assert.equal(await store.verify(token, new Date(Date.now() + 120_000)), undefined, 'expired');
  await assert.rejects(store.create({ name: 'ci', role: 'admin' }), /a token named "ci" exists/);
  await assert.rejects(store.create({ name: '  ', role: 'admin' }), TokenStoreError);
  // @ts-expect-error a role from outside that is not one of ours
  await assert.rejects(store.create({ name: 'x', role: 'root' }), ValidationError);
  writeFileSync(store.file, '{ nope');
  assert.throws(() => new TokenStore(dir.path).list(), (err: unknown) => err instanceof TokenStoreError && err.code === 'TOKEN_STORE' && /not valid JSON/.test(err.message));
});

test('authorize() maps headers to a principal, 401 without or with a bad token, 403 for a low role', async () => {
  await using dir = await tempDir();
  const store = new TokenStore(dir.path);
  const viewer = (await store.create({ name: 'v', role: 'viewer' })).token;
  const admin = (await store.create({ name: 'a', role: 'admin' })).token;
  assert.equal((await authorize({ authorization: `Bearer ${viewer}` }, 'viewer', store)).name, 'v');
  assert.equal((await authorize(new Headers({ Authorization: `bearer ${admin}` }), 'admin', store)).role, 'admin');
  await assert.rejects(authorize({}, 'viewer', store), (err: unknown) => err instanceof UnauthenticatedError && err.status === 401);
  await assert.rejects(authorize({ authorization: 'Basic abc' }, 'viewer', store), UnauthenticatedError);
  await assert.rejects(authorize({ authorization: `Bearer ${viewer}` }, 'operator', store, 'submitting a run'), (err: unknown) => {
    assert.ok(err instanceof ForbiddenError);
    assert.equal(err.status, 403);
    assert.match(err.message, /submitting a run needs the operator role; this token has viewer/);
    return true;
  });
  assert.ok(roleAllows('admin', 'viewer') && !roleAllows('operator', 'admin'));
  assert.equal(requiredRole('POST', '/api/models/asl/versions/3/promote'), 'admin');
  assert.equal(requiredRole('POST', '/api/runs'), 'operator');
  assert.equal(requiredRole('GET', '/api/runs'), 'viewer');
  assert.equal(requiredRole('GET', '/api/tokens'), 'admin');
  assert.equal(requiredRole('GET', '/console/'), 'public');
  assert.equal(requiredRole('POST', '/v1/models/asl/rollback'), 'admin');
  assert.equal(requiredRole('POST', '/v1/runs/r1/cancel'), 'operator');
  assert.equal(requiredRole('GET', '/v1/runs/r1/stream'), 'viewer');
  assert.equal(requiredRole('GET', '/openapi.json'), 'public');
  assert.equal(requiredRole('GET', '/somewhere-else'), 'viewer', 'unknown paths are not public');
});
