import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { execFileSync } from 'node:child_process';
import * as tf from '@tensorflow/tfjs';
import type { Logger } from '@signflow/core';

/**
 * The TF.js backend chain, decided once per process at run time:
 *   tensorflow (tfjs-node-gpu, when CUDA is present) → tensorflow (tfjs-node) → wasm → cpu.
 * The native bindings are not npm dependencies (their install scripts download from a host we
 * cannot reach); `scripts/setup.d/50-tfjs-native.sh` builds them into `.tools/` from PyPI's
 * TensorFlow wheel. Every step of the chain that was tried is reported, with why it was skipped.
 */
export type BackendName = 'tfjs-node-gpu' | 'tfjs-node' | 'wasm' | 'cpu';
export const BACKEND_CHAIN: readonly BackendName[] = ['tfjs-node-gpu', 'tfjs-node', 'wasm', 'cpu'];

export interface CudaProbe {
  /** Whether the CUDA driver library can be found (libcuda.so.1 on the loader path). */
  hasDriverLibrary(): boolean;
  /** Whether `nvidia-smi -L` lists at least one GPU. */
  listsGpus(): boolean;
  env: NodeJS.ProcessEnv;
}

export interface CudaReport {
  present: boolean;
  reason: string;
}

/** CUDA_VISIBLE_DEVICES="" or "-1" hides every GPU, as TensorFlow itself reads it. */
export function detectCuda(probe: CudaProbe): CudaReport {
  const visible = probe.env['CUDA_VISIBLE_DEVICES'];
  if (visible !== undefined && (visible.trim() === '' || visible.trim() === '-1')) {
    return { present: false, reason: `CUDA_VISIBLE_DEVICES=${JSON.stringify(visible)} hides all GPUs` };
  }
  if (!probe.hasDriverLibrary()) return { present: false, reason: 'libcuda.so.1 not found' };
  if (!probe.listsGpus()) return { present: false, reason: 'nvidia-smi lists no GPU' };
  return { present: true, reason: 'libcuda.so.1 found and nvidia-smi lists a GPU' };
}

export const systemCudaProbe: CudaProbe = {
  env: process.env,
  hasDriverLibrary() {
    const dirs = ['/usr/lib/x86_64-linux-gnu', '/usr/lib64', '/usr/local/nvidia/lib64', '/usr/lib/wsl/lib', ...(process.env['LD_LIBRARY_PATH'] ?? '').split(':').filter(Boolean)];
    return dirs.some((d) => existsSync(join(d, 'libcuda.so.1')));
  },
  listsGpus() {
    try {
      return /GPU \d+:/.test(execFileSync('nvidia-smi', ['-L'], { encoding: 'utf8', timeout: 5000, stdio: ['ignore', 'pipe', 'ignore'] }));
    } catch {
      return false;
    }
  },
};

export interface BackendAttempt {
  backend: BackendName;
  ok: boolean;
  detail: string;
}

export interface BackendChoice {
  backend: BackendName;
  /** The TF.js backend name (`tensorflow`, `wasm`, `cpu`). */
  tfBackend: string;
  attempts: BackendAttempt[];
  cuda: CudaReport;
}

/** How each link of the chain is loaded; injectable so tests exercise the order without a GPU. */
export interface BackendLoaders {
  /** Loads the native package (registers the `tensorflow` backend) or throws why not. */
  loadNative(pkg: 'tfjs-node-gpu' | 'tfjs-node'): Promise<void>;
  loadWasm(): Promise<void>;
  setBackend(name: string): Promise<boolean>;
}

export interface SelectBackendOptions {
  /** Force one backend (`SIGNFLOW_TFJS_BACKEND`); the chain below it is not tried. */
  prefer?: BackendName | undefined;
  probe?: CudaProbe;
  loaders?: BackendLoaders;
  logger?: Logger;
}

/** Where setup puts the native packages: `$SIGNFLOW_TFJS_NATIVE_DIR` or `<repo>/.tools`. */
export function nativeToolsDir(env: NodeJS.ProcessEnv = process.env): string {
  const explicit = env['SIGNFLOW_TFJS_NATIVE_DIR'];
  if (explicit) return resolve(explicit);
  return resolve(dirname(fileURLToPath(import.meta.url)), '..', '..', '..', '.tools');
}

export const defaultLoaders: BackendLoaders = {
  async loadNative(pkg) {
    const dir = join(nativeToolsDir(), pkg);
    const entry = join(dir, 'node_modules', '@tensorflow', pkg);
    if (!existsSync(join(entry, 'package.json'))) {
      throw new Error(`not built: run \`npm run setup\` (scripts/setup.d/50-tfjs-native.sh builds it into ${dir})`);
    }
    const require = createRequire(join(dir, 'package.json'));
    // The binding logs its CPU-feature banner through TF's C++ logging unless told otherwise.
    process.env['TF_CPP_MIN_LOG_LEVEL'] ??= '2';
    require(entry);
    return Promise.resolve();
  },
  async loadWasm() {
    const wasm = await import('@tensorflow/tfjs-backend-wasm');
    const wasmDir = dirname(createRequire(import.meta.url).resolve('@tensorflow/tfjs-backend-wasm'));
    wasm.setWasmPaths(`${wasmDir}/`);
  },
  async setBackend(name) {
    return tf.setBackend(name);
  },
};

const TF_NAME: Record<BackendName, string> = { 'tfjs-node-gpu': 'tensorflow', 'tfjs-node': 'tensorflow', wasm: 'wasm', cpu: 'cpu' };

let current: Promise<BackendChoice> | undefined;

/**
 * Picks the first backend of the chain that loads and initialises. Cached per process: a
 * process has one TF.js engine, and switching backends mid-run would move tensors.
 */
export function selectBackend(options: SelectBackendOptions = {}): Promise<BackendChoice> {
  current ??= chooseBackend(options);
  return current;
}

/** Test hook: forget the cached choice. */
export function resetBackendChoice(): void {
  current = undefined;
}

export async function chooseBackend(options: SelectBackendOptions = {}): Promise<BackendChoice> {
  const probe = options.probe ?? systemCudaProbe;
  const loaders = options.loaders ?? defaultLoaders;
  const prefer = options.prefer ?? parsePreferred(probe.env['SIGNFLOW_TFJS_BACKEND']);
  const cuda = detectCuda(probe);
  const attempts: BackendAttempt[] = [];
  const chain = prefer ? BACKEND_CHAIN.slice(BACKEND_CHAIN.indexOf(prefer)) : BACKEND_CHAIN;

  for (const backend of chain) {
    if (backend === 'tfjs-node-gpu' && !cuda.present) {
      attempts.push({ backend, ok: false, detail: `no CUDA: ${cuda.reason}` });
      continue;
    }
    try {
      if (backend === 'tfjs-node-gpu' || backend === 'tfjs-node') await loaders.loadNative(backend);
      if (backend === 'wasm') await loaders.loadWasm();
      const ok = await loaders.setBackend(TF_NAME[backend]);
      if (!ok) throw new Error(`tf.setBackend('${TF_NAME[backend]}') returned false`);
      attempts.push({ backend, ok: true, detail: 'selected' });
      const choice = { backend, tfBackend: TF_NAME[backend], attempts, cuda };
      options.logger?.info({ backend, attempts }, `tfjs backend: ${backend}`);
      return choice;
    } catch (err) {
      attempts.push({ backend, ok: false, detail: err instanceof Error ? err.message.split('\n')[0] ?? err.message : String(err) });
    }
  }
  throw new Error(`no TF.js backend could start: ${attempts.map((a) => `${a.backend}: ${a.detail}`).join('; ')}`);
}

function parsePreferred(value: string | undefined): BackendName | undefined {
  if (!value) return undefined;
  if ((BACKEND_CHAIN as readonly string[]).includes(value)) return value as BackendName;
  throw new Error(`SIGNFLOW_TFJS_BACKEND=${value}: expected one of ${BACKEND_CHAIN.join(', ')}`);
}

/** Version of the native libtensorflow a built package links, from setup's stamp. */
export function nativeBuildStamp(pkg: 'tfjs-node-gpu' | 'tfjs-node'): string | undefined {
  const stamp = join(nativeToolsDir(), pkg, '.version');
  return existsSync(stamp) ? readFileSync(stamp, 'utf8').trim() : undefined;
}
