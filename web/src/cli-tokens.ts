import type { Command } from 'commander';
import { roleSchema, parseWith, TokenStore, type CliContext, type TokenInfo } from '@signflow/core';
import { z } from 'zod';

function table(rows: TokenInfo[]): string {
  if (rows.length === 0) return 'no API tokens: create one with `signflow token create --name <name> --role viewer|operator|admin`';
  const head = ['ID', 'NAME', 'ROLE', 'CREATED', 'EXPIRES'];
  const cells = [head, ...rows.map((t) => [t.id, t.name, t.role, t.createdAt, t.expiresAt ?? 'never'])];
  const widths = head.map((_, i) => Math.max(...cells.map((r) => (r[i] ?? '').length)));
  return cells.map((r) => r.map((c, i) => c.padEnd(widths[i] ?? 0)).join('  ').trimEnd()).join('\n');
}

const createOptions = z.object({
  name: z.string().min(1),
  role: roleSchema,
  expiresIn: z.coerce.number().positive().optional(),
});

/**
 * `signflow token create|ls|revoke`: API tokens for the HTTP API and the console, stored hashed
 * in `<dataDir>/auth/tokens.json`. The secret is printed once, by `create`, and never again.
 */
export function registerTokenCommands(program: Command, ctx: CliContext): void {
  const token = program.command('token').description('manage API tokens (roles: viewer, operator, admin)');
  token
    .command('create')
    .description('create an API token and print it once (store it: it cannot be shown again)')
    .requiredOption('--name <name>', 'who or what uses it, e.g. alice or ci')
    .requiredOption('--role <role>', 'viewer (read, live feed), operator (runs, cameras) or admin (models, tokens)')
    .option('--expires-in <days>', 'days until it stops working (default: never)')
    .option('--json', 'print JSON')
    .action(async (raw: { name: string; role: string; expiresIn?: string }) => {
      const opts = parseWith(createOptions, raw, 'token create');
      const store = new TokenStore(ctx.loadConfig().dataDir);
      const expiresAt = opts.expiresIn ? new Date(Date.now() + opts.expiresIn * 86_400_000) : undefined;
      const created = await store.create({ name: opts.name, role: opts.role, ...(expiresAt ? { expiresAt } : {}) });
      ctx.output({ ...created.info, token: created.token }, () =>
        [`created ${created.info.role} token "${created.info.name}" (id ${created.info.id})`, '', `  ${created.token}`, '', 'This is the only time it is shown. Send it as `Authorization: Bearer <token>` or paste it into the console.'].join('\n'),
      );
    });
  token
    .command('ls')
    .description('list API tokens (never their secrets)')
    .option('--json', 'print JSON')
    .action(() => {
      const rows = new TokenStore(ctx.loadConfig().dataDir).list();
      ctx.output({ tokens: rows }, () => table(rows));
    });
  token
    .command('revoke')
    .description('revoke an API token by id or name; it stops working at once')
    .argument('<id-or-name>', 'the token id (from `signflow token ls`) or its name')
    .option('--json', 'print JSON')
    .action((idOrName: string) => {
      const removed = new TokenStore(ctx.loadConfig().dataDir).revoke(idOrName);
      ctx.output({ revoked: removed }, () => `revoked ${removed.role} token "${removed.name}" (id ${removed.id})`);
    });
}
