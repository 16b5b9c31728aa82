#!/usr/bin/env node
// The whole test suite: typecheck, lint, then every workspace's node:test suite (each in its own
// folder, one after another so real servers don't fight over 2 cores), then one closing line.
// then each workspace's `test:e2e` (browser tests; SIGNFLOW_SKIP_E2E=1 skips them).
// Flags: --skip-static (no typecheck/lint), --only <pkg,pkg> (just these workspaces).
import { spawn } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

const root = new URL('..', import.meta.url).pathname;
const args = process.argv.slice(2);
const skipStatic = args.includes('--skip-static');
const onlyIdx = args.indexOf('--only');
const only = onlyIdx >= 0 ? (args[onlyIdx + 1] ?? '').split(',') : undefined;
const workspaces = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')).workspaces;

function run(cmd, cmdArgs, cwd) {
  return new Promise((resolve) => {
    let output = '';
    const child = spawn(cmd, cmdArgs, { cwd, stdio: ['ignore', 'pipe', 'pipe'], env: process.env });
    const relay = (stream) => (chunk) => {
      output += chunk;
      stream.write(chunk);
    };
    child.stdout.on('data', relay(process.stdout));
    child.stderr.on('data', relay(process.stderr));
    child.on('exit', (code, signal) => resolve({ code: code ?? (signal ? 1 : 0), output }));
  });
}

function count(output, word) {
  let total = 0;
  for (const m of output.matchAll(new RegExp(`^(?:# |ℹ )${word} (\\d+)$`, 'gm'))) total = Number(m[1]);
  return total;
}

const summary = [];
let failedSteps = 0;
if (!skipStatic) {
  for (const [name, cmd, cmdArgs] of [
    ['typecheck', 'npx', ['tsc', '-p', 'tsconfig.json']],
    ['lint', 'npx', ['eslint', '.']],
  ]) {
    const started = Date.now();
    const { code } = await run(cmd, cmdArgs, root);
    summary.push(`${name}: ${code === 0 ? 'ok' : 'FAILED'} (${Math.round((Date.now() - started) / 1000)} s)`);
    if (code !== 0) failedSteps++;
  }
}

let passed = 0;
let failed = 0;
let skipped = 0;
for (const ws of workspaces) {
  if (only && !only.includes(ws)) continue;
  if (!existsSync(join(root, ws, 'test'))) continue;
  const started = Date.now();
  process.stdout.write(`\n=== ${ws} ===\n`);
  const { code, output } = await run(process.execPath, [join(root, 'scripts', 'node-test.mjs')], join(root, ws));
  const p = count(output, 'pass');
  const f = count(output, 'fail');
  passed += p;
  failed += f;
  skipped += count(output, 'skipped');
  if (code !== 0 && f === 0) {
    failed += 1; // a crash before any test reported
  }
  summary.push(`${ws}: ${p} passed, ${f} failed${code !== 0 ? ' (exit ' + code + ')' : ''} (${Math.round((Date.now() - started) / 1000)} s)`);
}

// Browser end-to-end suites (`test:e2e` in a workspace: headless Chromium against real servers).
for (const ws of workspaces) {
  if (only && !only.includes(ws)) continue;
  const pkg = JSON.parse(readFileSync(join(root, ws, 'package.json'), 'utf8'));
  if (!pkg.scripts?.['test:e2e'] || process.env.SIGNFLOW_SKIP_E2E) continue;
  const started = Date.now();
  process.stdout.write(`\n=== ${ws} (e2e) ===\n`);
  const { code, output } = await run('npm', ['run', 'test:e2e', '--silent'], join(root, ws));
  const p = count(output, 'pass');
  const f = count(output, 'fail');
  passed += p;
  failed += f + (code !== 0 && f === 0 ? 1 : 0);
  summary.push(`${ws} e2e: ${p} passed, ${f} failed${code !== 0 ? ' (exit ' + code + ')' : ''} (${Math.round((Date.now() - started) / 1000)} s)`);
}

process.stdout.write(`\n${summary.join('\n')}\n`);
if (failedSteps > 0) process.stdout.write(`static checks failed: ${failedSteps}\n`);
process.stdout.write(`tests: ${passed} passed, ${failed} failed, ${skipped} skipped\n`);
process.exit(failed > 0 || failedSteps > 0 ? 1 : 0);
