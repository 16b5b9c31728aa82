import { accessSync, constants, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ToolMissingError } from '@signflow/core';
import { repoRoot, toolsBinDir } from '@signflow/stack';

export type KubeToolName = 'etcd' | 'kube-apiserver' | 'kube-controller-manager' | 'kube-scheduler' | 'kwok' | 'helm';

interface KubeToolPin {
  module: string;
  version: string;
  env: string;
  why: string;
}

/** The pins `scripts/setup.d/40-kubernetes.sh` builds (tools/k8s/pins.json). */
export const kubeToolPins = JSON.parse(readFileSync(join(repoRoot, 'tools', 'k8s', 'pins.json'), 'utf8')) as Record<KubeToolName, KubeToolPin>;

function isExecutable(path: string): boolean {
  try {
    accessSync(path, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

/** Finds a pinned tool: its env override, else .tools/bin; undefined when neither is there. */
export function findKubeTool(name: KubeToolName): string | undefined {
  const override = process.env[kubeToolPins[name].env];
  if (override) return isExecutable(override) ? override : undefined;
  const local = join(toolsBinDir, name);
  return isExecutable(local) ? local : undefined;
}

/** Like findKubeTool, but throws an error that says how to get the tool. */
export function requireKubeTool(name: KubeToolName): string {
  const found = findKubeTool(name);
  if (found) return found;
  const pin = kubeToolPins[name];
  throw new ToolMissingError(name, `run \`npm run setup\` (builds ${pin.module}@${pin.version} into .tools/bin) or set ${pin.env} to a binary`);
}
