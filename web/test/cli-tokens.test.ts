import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Command } from 'commander';
import { loadConfig, TokenStore, TokenStoreError, ValidationError, type CliContext } from '@signflow/core';
import { tempDir } from '@signflow/testkit';
import { registerTokenCommands } from '../src/cli-tokens.js';

function cli(dataDir: string) {
  const printed: { data: unknown; table: string | undefined }[] = [];
  const ctx: CliContext = {
    loadConfig: () => loadConfig({ env: {}, overrides: { dataDir } }).config,
    output: (data, table) => void printed.push({ data, table: table?.() }),
  };
  const program = new Command().exitOverride();
  registerTokenCommands(program, ctx);
  return { run: (...args: string[]) => program.parseAsync(['node', 'signflow', ...args]), printed };
}

test('signflow token create|ls|revoke: the secret is shown once, listed never, revoked at once', async () => {
  await using dir = await tempDir();
  const { run, printed } = cli(dir.path);
  await run('token', 'create', '--name', 'alice', '--role', 'operator', '--expires-in', '30');
  const created = printed[0]?.data as { token: string; id: string; role: string; expiresAt: string };
  assert.match(created.token, /^sft_/);
  assert.equal(created.role, 'operator');
  assert.ok(Date.parse(created.expiresAt) > Date.now() + 29 * 86_400_000);
  assert.match(printed[0]?.table ?? '', /only time it is shown/);
  const store = new TokenStore(dir.path);
  assert.equal((await store.verify(created.token))?.name, 'alice');

  await run('token', 'ls');
  assert.ok(!JSON.stringify(printed[1]).includes(created.token.slice(-20)), 'ls never prints the secret');
  assert.match(printed[1]?.table ?? '', /alice\s+operator/);

  await run('token', 'revoke', 'alice');
  assert.equal(await store.verify(created.token), undefined);
  await assert.rejects(run('token', 'revoke', 'alice'), TokenStoreError);
  await assert.rejects(run('token', 'create', '--name', 'bob', '--role', 'root'), (err: unknown) => err instanceof ValidationError && /role/.test(err.message));
});
