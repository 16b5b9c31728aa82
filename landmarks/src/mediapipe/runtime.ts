/**
 * LiteRT (TFLite) on Node: @litertjs/core's WebAssembly CPU runtime (XNNPack kernels).
 *
 * @litertjs/core targets browsers: `loadLiteRt` fetches its Emscripten loader through
 * `importScripts` or a <script> tag and reads `self.ModuleFactory`. The loader itself supports
 * Node (it reads the .wasm with `fs`), so for the duration of the load this module provides
 * `self` and an `importScripts` that evaluates the loader file as CommonJS (the package is
 * "type": "module", so plain `require` would treat it as ESM). The wasm's log lines go to
 * `onLog` instead of stderr.
 */
import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { setFlagsFromString } from 'node:v8';

// Only the parts of @litertjs/core used here (its .d.ts pulls in WebGPU types Node lacks).
interface LiteRtTensor {
  toTypedArray(): Float32Array | Int32Array | Uint8Array;
  delete(): void;
}
interface LiteRtCompiledModel {
  run(input: LiteRtTensor[]): Promise<LiteRtTensor[]>;
  getInputDetails(): { name: string; shape: ArrayLike<number> }[];
  getOutputDetails(): { name: string; shape: ArrayLike<number> }[];
  delete(): void;
}
interface LiteRtModule {
  loadLiteRt(path: string, options?: { threads?: boolean; jspi?: boolean }): Promise<unknown>;
  unloadLiteRt(): void;
  getGlobalLiteRtPromise(): Promise<unknown> | undefined;
  getGlobalLiteRt(): { liteRtWasm: { HEAPU8: Uint8Array } };
  loadAndCompile(model: Uint8Array, options?: { accelerator?: 'wasm'; cpuOptions?: { numThreads: number } }): Promise<LiteRtCompiledModel>;
  supportsFeature(feature: 'relaxedSimd' | 'threads'): Promise<boolean>;
  Tensor: new (data: Float32Array, shape: number[]) => LiteRtTensor;
}

export type LogFn = (line: string) => void;

let loading: Promise<LiteRtModule> | undefined;
let logSink: LogFn = () => {};
let threadCount = threadsFromEnv();
let loadedThreads = 0;

function threadsFromEnv(): number {
  const raw = process.env['SIGNFLOW_LITERT_THREADS'];
  const n = raw ? Number(raw) : 1;
  return Number.isInteger(n) && n >= 1 && n <= 16 ? n : 1;
}

/**
 * CPU threads for LiteRT's kernels (default 1, or SIGNFLOW_LITERT_THREADS). Process-wide: it
 * takes effect when LiteRT first loads, so call it before creating the first detector.
 * With more than 1, LiteRT's pthreads build runs its XNNPack kernels on worker threads.
 */
export function setLiteRtThreads(n: number): void {
  if (!Number.isInteger(n) || n < 1 || n > 16) throw new Error(`LiteRT threads must be 1..16, got ${String(n)}`);
  if (loading && n !== loadedThreads) throw new Error(`LiteRT is already loaded with ${loadedThreads} thread(s); set threads before the first detector`);
  threadCount = n;
}

/** The thread count LiteRT runs (or will run) with. */
export function liteRtThreads(): number {
  return loading ? loadedThreads : threadCount;
}

/**
 * The pthreads build starts its workers from the loader script's path, and Node would load
 * that .js as ESM (the package is "type": "module"); a .cjs copy in the temp folder loads as
 * CommonJS. Written once per package version, atomically.
 */
function threadedWorkerScript(wasmDir: string, version: string): string {
  const source = join(wasmDir, 'litert_wasm_threaded_internal.js');
  const dir = join(tmpdir(), `signflow-litert-${version}`);
  const target = join(dir, 'litert_wasm_threaded_internal.cjs');
  const code = readFileSync(source);
  if (!existsSync(target) || !readFileSync(target).equals(code)) {
    mkdirSync(dir, { recursive: true });
    const partial = `${target}.${process.pid}.tmp`;
    writeFileSync(partial, code);
    renameSync(partial, target);
  }
  return target;
}

/** Where LiteRT's own log lines go (default: dropped). */
export function setLiteRtLog(fn: LogFn): void {
  logSink = fn;
}

const require = createRequire(import.meta.url);

async function load(): Promise<LiteRtModule> {
  // Node 20's V8 has relaxed SIMD behind a flag; with it LiteRT picks its faster XNNPack build.
  // Must be set before the wasm module is compiled; harmless on Node versions that ship it.
  try {
    setFlagsFromString('--experimental-wasm-relaxed-simd');
  } catch {
    // not supported: LiteRT falls back to its compat build
  }
  const lrt = (await import('@litertjs/core')) as unknown as LiteRtModule;
  const manifest = require.resolve('@litertjs/core/package.json');
  const wasmDir = join(dirname(manifest), 'wasm') + '/';
  const threads = threadCount;
  const threaded = threads > 1 && (await lrt.supportsFeature('relaxedSimd')) && (await lrt.supportsFeature('threads'));
  loadedThreads = threaded ? threads : 1;
  const g = globalThis as Record<string, unknown>;
  const hadSelf = 'self' in g;
  const hadImportScripts = 'importScripts' in g;
  const savedWarn = console.warn;
  if (!hadSelf) g['self'] = globalThis;
  g['importScripts'] = (url: string) => {
    const code = readFileSync(url, 'utf8');
    const mod = { exports: {} as unknown };
    // eslint-disable-next-line @typescript-eslint/no-implied-eval -- evaluating the package's own Emscripten loader as CommonJS
    const factory = new Function('require', 'module', 'exports', '__filename', '__dirname', code) as (...args: unknown[]) => void;
    factory(createRequire(url), mod, mod.exports, url, dirname(url));
    g['ModuleFactory'] = mod.exports;
  };
  // Emscripten's Module overrides: route its print/printErr to our log.
  const moduleOverrides: Record<string, unknown> = { print: (line: string) => logSink(line), printErr: (line: string) => logSink(line) };
  const hadNavigator = 'navigator' in g;
  if (threaded) {
    const { version } = JSON.parse(readFileSync(manifest, 'utf8')) as { version: string };
    moduleOverrides['mainScriptUrlOrBlob'] = threadedWorkerScript(wasmDir, version);
    // The pthreads build reads navigator.hardwareConcurrency (pool size, default thread count)
    // at load and at every compile. Node 21+ has a navigator; on Node 20 a minimal one like
    // Node 21's stays defined (only in this opt-in mode).
    if (!hadNavigator) g['navigator'] = { hardwareConcurrency: threads, userAgent: `Node.js/${process.versions.node.split('.')[0] ?? ''}`, language: 'en-US' };
  }
  g['Module'] = moduleOverrides;
  // Environment.create() tries WebGPU first and warns when there is none (always, on Node).
  console.warn = (...args: unknown[]) => {
    if (typeof args[0] === 'string' && args[0].includes('WebGPU')) return;
    savedWarn(...args);
  };
  try {
    await lrt.loadLiteRt(wasmDir, { threads: threaded });
  } finally {
    console.warn = savedWarn;
    if (!hadSelf) delete g['self'];
    if (!hadImportScripts) delete g['importScripts'];
    delete g['ModuleFactory'];
    delete g['Module'];
  }
  return lrt;
}

/** Loads LiteRT once per process. */
export function liteRt(): Promise<LiteRtModule> {
  if (!loading) {
    loading = load().catch((err: unknown) => {
      loading = undefined;
      throw err;
    });
  }
  return loading;
}

/** Bytes of the LiteRT wasm heap (it only grows; a leak shows as growth). */
export async function liteRtHeapBytes(): Promise<number> {
  const lrt = await liteRt();
  return lrt.getGlobalLiteRt().liteRtWasm.HEAPU8.buffer.byteLength;
}

let liveTensors = 0;

/** LiteRT tensors created by this package and not yet deleted (should be 0 between frames). */
export function liveTensorCount(): number {
  return liveTensors;
}

export interface TensorSpec {
  name: string;
  shape: number[];
  size: number;
}

const EMPTY = new Float32Array(0);

/** One compiled TFLite model with float32 inputs and outputs. */
export class TfliteModel {
  readonly inputs: TensorSpec[];
  readonly outputs: TensorSpec[];
  private closed = false;

  private constructor(
    private readonly lrt: LiteRtModule,
    private readonly model: LiteRtCompiledModel,
    readonly source: string,
  ) {
    const spec = (d: { name: string; shape: ArrayLike<number> }): TensorSpec => {
      const shape = Array.from(d.shape);
      return { name: d.name, shape, size: shape.reduce((a, b) => a * b, 1) };
    };
    this.inputs = model.getInputDetails().map(spec);
    this.outputs = model.getOutputDetails().map(spec);
  }

  static async load(bytes: Uint8Array, source: string): Promise<TfliteModel> {
    const lrt = await liteRt();
    const model = await lrt.loadAndCompile(bytes, { accelerator: 'wasm', cpuOptions: { numThreads: loadedThreads } });
    return new TfliteModel(lrt, model, source);
  }

  /**
   * Runs the model on float32 inputs (one per model input); returns copies of the outputs, or
   * only of those listed in `keep` (the others come back empty: e.g. the pose model's
   * 256x256 segmentation mask, which nothing here reads, is not copied out of the wasm heap).
   */
  async run(inputs: Float32Array[], keep?: readonly number[]): Promise<Float32Array[]> {
    if (this.closed) throw new Error(`${this.source} is closed`);
    if (inputs.length !== this.inputs.length) throw new Error(`${this.source} takes ${this.inputs.length} inputs, got ${inputs.length}`);
    const tensors: LiteRtTensor[] = [];
    let outputs: LiteRtTensor[] = [];
    try {
      inputs.forEach((data, i) => {
        const spec = this.inputs[i] as TensorSpec;
        if (data.length !== spec.size) throw new Error(`${this.source} input ${spec.name} takes ${spec.size} floats, got ${data.length}`);
        tensors.push(new this.lrt.Tensor(data, spec.shape));
        liveTensors++;
      });
      outputs = await this.model.run(tensors);
      liveTensors += outputs.length;
      return outputs.map((t, i) => {
        if (keep && !keep.includes(i)) return EMPTY;
        const a = t.toTypedArray();
        return a instanceof Float32Array ? a : Float32Array.from(a);
      });
    } finally {
      for (const t of [...tensors, ...outputs]) {
        t.delete();
        liveTensors--;
      }
    }
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.model.delete();
  }
}
