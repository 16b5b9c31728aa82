#!/usr/bin/env node
// Runs node:test (through tsx) on every *.test.ts under the given folders (default: ./test).
// Node 20's --test takes no glob patterns, so the files are listed here.
// Flags: --concurrency N (files run at once, default 1), --only-unit (skips *.it.test.ts).
import { readdirSync, statSync, existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { spawnSync } from 'node:child_process';

const args = process.argv.slice(2);
let concurrency = '1';
let onlyUnit = false;
const dirs = [];
for (let i = 0; i < args.length; i++) {
  if (args[i] === '--concurrency') concurrency = args[++i] ?? '1';
  else if (args[i] === '--only-unit') onlyUnit = true;
  else dirs.push(args[i]);
}
if (dirs.length === 0) dirs.push('test');

function collect(dir, out) {
  if (!existsSync(dir)) return out;
  for (const name of readdirSync(dir).sort()) {
    if (name === 'node_modules') continue;
    const path = join(dir, name);
    if (statSync(path).isDirectory()) collect(path, out);
    else if (name.endsWith('.test.ts') && !(onlyUnit && name.endsWith('.it.test.ts'))) out.push(path);
  }
  return out;
}

const files = dirs.flatMap((d) => collect(resolve(d), []));
if (files.length === 0) {
  console.error(`no *.test.ts files under ${dirs.join(', ')}`);
  process.exit(1);
}
const result = spawnSync(process.execPath, ['--import', 'tsx', '--test', `--test-concurrency=${concurrency}`, ...files], { stdio: 'inherit' });
process.exit(result.status ?? 1);
