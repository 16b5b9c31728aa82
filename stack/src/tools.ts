import { accessSync, constants, existsSync, readFileSync } from 'node:fs';
import { delimiter, dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { spawnSync } from 'node:child_process';
import { ToolMissingError } from '@signflow/core';

/** The repository root (stack/src/tools.ts → ../..). */
export const repoRoot = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
/** Git-ignored folder where `npm run setup` puts the pinned binaries it builds. */
export const toolsBinDir = process.env['SIGNFLOW_TOOLS_DIR'] ?? join(repoRoot, '.tools', 'bin');

export type ToolName = 'nats-server' | 'temporal' | 'ffmpeg' | 'ffprobe';

interface PinnedTool {
  module: string;
  version: string;
  env: string;
  why: string;
}

export const pinnedTools = JSON.parse(readFileSync(join(repoRoot, 'stack', 'tools.json'), 'utf8')) as Record<'nats-server' | 'temporal', PinnedTool>;

export interface ResolvedTool {
  name: ToolName;
  path: string;
  /** Where it came from: an env override, the project's tools folder, a package, or PATH. */
  source: 'env' | 'tools-dir' | 'ffmpeg-static' | 'PATH';
}

function isExecutable(path: string): boolean {
  try {
    accessSync(path, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

function onPath(name: string): string | undefined {
  for (const dir of (process.env['PATH'] ?? '').split(delimiter)) {
    if (!dir) continue;
    const candidate = join(dir, name);
    if (isExecutable(candidate)) return candidate;
  }
  return undefined;
}

const ENV_NAMES: Record<ToolName, string> = {
  'nats-server': 'SIGNFLOW_NATS_SERVER',
  temporal: 'SIGNFLOW_TEMPORAL',
  ffmpeg: 'SIGNFLOW_FFMPEG',
  ffprobe: 'SIGNFLOW_FFPROBE',
};

function ffmpegStaticPath(): string | undefined {
  // ffmpeg-static's install downloads from a non-registry host; when that worked its binary is here.
  const candidate = join(repoRoot, 'node_modules', 'ffmpeg-static', 'ffmpeg');
  return existsSync(candidate) && isExecutable(candidate) ? candidate : undefined;
}

/** Finds a tool without throwing: env override → tools folder → (ffmpeg) ffmpeg-static → PATH. */
export function findTool(name: ToolName): ResolvedTool | undefined {
  const override = process.env[ENV_NAMES[name]];
  if (override) return isExecutable(override) ? { name, path: override, source: 'env' } : undefined;
  const local = join(toolsBinDir, name);
  if (isExecutable(local)) return { name, path: local, source: 'tools-dir' };
  if (name === 'ffmpeg') {
    const fromPackage = ffmpegStaticPath();
    if (fromPackage) return { name, path: fromPackage, source: 'ffmpeg-static' };
  }
  const fromPath = onPath(name);
  return fromPath ? { name, path: fromPath, source: 'PATH' } : undefined;
}

export function fixFor(name: ToolName): string {
  const envName = ENV_NAMES[name];
  if (name === 'ffmpeg' || name === 'ffprobe') return `run \`npm run setup\` (installs Debian's ffmpeg) or set ${envName} to an ffmpeg binary`;
  return `run \`npm run setup\` (builds the pinned ${name} into .tools/bin) or set ${envName} to a binary`;
}

/** Finds a tool or throws a ToolMissingError that says how to get it. */
export function requireTool(name: ToolName): ResolvedTool {
  const found = findTool(name);
  if (found) return found;
  const override = process.env[ENV_NAMES[name]];
  if (override) throw new ToolMissingError(name, `${ENV_NAMES[name]}=${override} is not an executable file`);
  throw new ToolMissingError(name, fixFor(name));
}

/** First line of `<tool> --version` (or `-version` for ffmpeg). */
export function toolVersion(tool: ResolvedTool): string | undefined {
  const flag = tool.name === 'ffmpeg' || tool.name === 'ffprobe' ? '-version' : '--version';
  const result = spawnSync(tool.path, [flag], { encoding: 'utf8', timeout: 10_000 });
  if (result.status !== 0) return undefined;
  return `${result.stdout}${result.stderr}`.split('\n').find((l) => l.trim())?.trim();
}
