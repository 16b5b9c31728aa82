import { accessSync, constants, existsSync, mkdirSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { spawnSync } from 'node:child_process';
import type { Command } from 'commander';
import { describeError, loadConfig, localTokenFile, natsAuthPaths, type SignflowConfig } from '@signflow/core';
import { findTool, fixFor, pinnedTools, repoRoot, toolVersion, type ToolName } from '@signflow/stack';
import type { createContext } from '../context.js';
import { renderTable } from '../output.js';

type Ctx = ReturnType<typeof createContext>;

export interface Finding {
  check: string;
  ok: boolean;
  detail: string;
  fix?: string;
}

function tool(name: ToolName, required: boolean): Finding {
  const found = findTool(name);
  if (!found) return { check: name, ok: !required, detail: required ? 'missing' : 'missing (optional)', fix: fixFor(name) };
  const version = toolVersion(found) ?? 'version unknown';
  const pin = name === 'nats-server' || name === 'temporal' ? pinnedTools[name] : undefined;
  // go-installed binaries may report a dev version, so the setup script's stamp is what counts.
  const stamp = existsSync(`${found.path}.version`) ? readFileSync(`${found.path}.version`, 'utf8').trim() : undefined;
  const stale = pin !== undefined && found.source === 'tools-dir' && stamp !== `${pin.module}@${pin.version}`;
  const pinNote = stale ? ` (pinned ${pin.version}, found ${stamp ?? 'no stamp'}; run \`npm run setup\`)` : '';
  return { check: name, ok: pinNote === '', detail: `${version} at ${found.path} [${found.source}]${pinNote}` };
}

function command(name: string, args: string[], fix: string, required: boolean): Finding {
  const result = spawnSync(name, args, { encoding: 'utf8', timeout: 10_000 });
  if (result.status === 0) return { check: name, ok: true, detail: `${result.stdout}${result.stderr}`.split('\n').find((l) => l.trim())?.trim() ?? 'ok' };
  return { check: name, ok: !required, detail: required ? 'missing' : 'missing (optional)', fix };
}

/** Auth on or off, and whether the local credentials are readable by their owner only. */
export function authFinding(config: SignflowConfig): Finding {
  if (config.auth.mode === 'off') return { check: 'auth', ok: true, detail: 'OFF (auth.mode: off): the API, the live feed and NATS accept anyone; throwaway local development only' };
  const creds = natsAuthPaths(config.dataDir).creds;
  const secrets = [localTokenFile(config.dataDir), ...(existsSync(creds) ? readdirSync(creds).map((f) => join(creds, f)) : [])].filter((f) => existsSync(f));
  const open = secrets.filter((f) => (statSync(f).mode & 0o077) !== 0);
  if (open.length) return { check: 'auth', ok: false, detail: `readable by others: ${open.join(', ')}`, fix: `chmod 600 ${open.join(' ')}` };
  if (!existsSync(localTokenFile(config.dataDir))) return { check: 'auth', ok: true, detail: 'on; no local admin token yet (`signflow up` creates one on first start)' };
  return { check: 'auth', ok: true, detail: `on; local admin token and ${secrets.length - 1} NATS credentials, mode 0600` };
}

/** Everything signflow needs on this machine, and how to fix what is missing. */
export function diagnose(configPath: string | undefined, dataDir: string | undefined): Finding[] {
  const findings: Finding[] = [];
  const [major = 0, minor = 0] = process.versions.node.split('.').map(Number);
  findings.push({
    check: 'node',
    ok: major > 20 || (major === 20 && minor >= 3),
    detail: `v${process.versions.node}`,
    fix: 'install Node.js 20.3 or newer',
  });
  findings.push({
    check: 'npm packages',
    ok: existsSync(join(repoRoot, 'node_modules', '@temporalio', 'worker')),
    detail: existsSync(join(repoRoot, 'node_modules')) ? 'installed' : 'not installed',
    fix: 'run `npm run setup`',
  });
  findings.push(tool('nats-server', true), tool('temporal', true), tool('ffmpeg', true));
  findings.push(command('go', ['version'], 'apt-get install golang-go (setup builds the pinned servers with it)', false));
  findings.push(command('chromium', ['--version'], 'apt-get install chromium (browser tests of the web pages)', false));
  try {
    const { config, file } = loadConfig({ configPath, overrides: dataDir ? { dataDir } : {} });
    findings.push({ check: 'config', ok: true, detail: file ? `${file} is valid` : 'defaults (no signflow.yaml)' });
    try {
      mkdirSync(config.dataDir, { recursive: true });
      accessSync(config.dataDir, constants.W_OK);
      findings.push({ check: 'data dir', ok: true, detail: `${config.dataDir} is writable` });
      findings.push(authFinding(config));
    } catch (err) {
      findings.push({ check: 'data dir', ok: false, detail: describeError(err), fix: 'choose a writable --data-dir or dataDir in signflow.yaml' });
    }
  } catch (err) {
    findings.push({ check: 'config', ok: false, detail: describeError(err), fix: 'fix the named field in signflow.yaml' });
  }
  return findings;
}

export function registerDoctor(program: Command, ctx: Ctx): void {
  program
    .command('doctor')
    .description('check what signflow needs on this machine and say how to fix what is missing')
    .action(() => {
      const opts = program.opts<{ config?: string; dataDir?: string }>();
      const findings = diagnose(opts.config, opts.dataDir);
      const ok = findings.every((f) => f.ok);
      ctx.output({ ok, findings }, () =>
        renderTable(['check', 'ok', 'detail', 'fix'], findings.map((f) => [f.check, f.ok ? 'yes' : 'NO', f.detail, f.ok ? '' : (f.fix ?? '')])),
      );
      process.exitCode = ok ? 0 : 1;
    });
}
