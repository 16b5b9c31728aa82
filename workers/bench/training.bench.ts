/**
 * `npm run bench -w workers` (training part): for each model (an MLP on the hand-gesture keypoint
 * CSV, a GRU on MSL-150) trains on one exported split with every TF.js backend that starts here
 * (tfjs-node, wasm, cpu; one process each) and with Keras (workers/keras-baseline, same
 * architecture, data, batch size and epochs), then prints:
 *   train.samples_per_s.<model>.<backend>, train.ratio_vs_keras.<model> (native ÷ Keras),
 *   train.accuracy_delta_vs_keras.<model> (TF.js − Keras, held-out), infer.window_ms_p95.<model>.<backend>.
 * Like for like: the same exported split (float32, standardised), batch size, epochs and per-epoch
 * sample order on both sides (Keras trains on the TF.js trainer's epochOrder, see keras-split.ts:
 * its own fit(shuffle=True) repeats one order every epoch under a fixed seed); the first epoch
 * untimed on both; samples/s is the median of the other epochs; the same TF_NUM_INTRAOP_THREADS / TF_NUM_INTEROP_THREADS for both; Keras with its
 * default jit_compile ("auto": XLA). ratio_vs_keras_mean uses total time instead of the median;
 * cpu_ratio_vs_keras compares samples per process CPU-second (steadier on a loaded machine).
 * Env: BENCH_EPOCHS (default 8), BENCH_BACKENDS (default tfjs-node,wasm,cpu), BENCH_REPEATS
 * (default 2), BENCH_TF_THREADS (default: the core count), KERAS_JIT (auto|1|0), BENCH_JSON=path,
 * SIGNFLOW_KERAS_PYTHON (default .tools/keras-venv/bin/python).
 */
import { spawnSync } from 'node:child_process';
import { existsSync, rmSync, writeFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { fixture } from '@signflow/testkit';
import type { SequenceDataset } from '../src/training/data.ts';
import { loadKeypointCsv, loadMsl150Npy } from '../src/training/fixtures.ts';
import { exportSplit } from './keras-split.ts';

const here = fileURLToPath(new URL('.', import.meta.url));
const epochs = Number(process.env['BENCH_EPOCHS'] ?? 8);
const backends = (process.env['BENCH_BACKENDS'] ?? 'tfjs-node,wasm,cpu').split(',');
const python = process.env['SIGNFLOW_KERAS_PYTHON'] ?? resolve(here, '..', '..', '.tools', 'keras-venv', 'bin', 'python');
const metrics: Record<string, number | string> = {};
const print = (name: string, value: number | string, unit = '') => {
  metrics[name] = value;
  process.stdout.write(`${name} ${typeof value === 'number' ? +value.toFixed(4) : value}${unit ? ` ${unit}` : ''}\n`);
};

interface Case { name: string; load: () => Promise<SequenceDataset>; model: { architecture: string; units: number; layers: number; dropout: number; kernelSize: number }; batchSize: number; learningRate: number }
const cases: Case[] = [
  { name: 'mlp', load: () => loadKeypointCsv(fixture('kazuhito-hand-gesture', 'keypoint.csv')), model: { architecture: 'mlp', units: 64, layers: 2, dropout: 0, kernelSize: 3 }, batchSize: 32, learningRate: 0.003 },
  { name: 'gru', load: () => loadMsl150Npy(fixture('msl150', 'sample_npy')), model: { architecture: 'gru', units: 64, layers: 1, dropout: 0, kernelSize: 3 }, batchSize: 32, learningRate: 0.003 },
];

function runJson(cmd: string, args: string[], env: Record<string, string>): Record<string, unknown> | string {
  const r = spawnSync(cmd, args, { encoding: 'utf8', env: { ...process.env, ...env }, maxBuffer: 16 << 20 });
  const line = r.stdout?.trim().split('\n').filter((l) => l.startsWith('{')).at(-1);
  if (r.status !== 0 || !line) return `exit ${r.status ?? r.signal}: ${(r.stderr ?? '').trim().split('\n').slice(-3).join(' | ')}`;
  return JSON.parse(line) as Record<string, unknown>;
}

// Both sides run with the same TensorFlow thread pools (libtensorflow reads these itself).
const threads = process.env['BENCH_TF_THREADS'] ?? String(availableParallelism());
const tfEnv = { TF_CPP_MIN_LOG_LEVEL: '2', TF_NUM_INTRAOP_THREADS: threads, TF_NUM_INTEROP_THREADS: threads };
// The machine is shared: sides alternate, each runs `repeats` times, the best steady-state
// median of each side is kept (the same rule for both). Repeat r trains with seed 42 + r on both
// sides, and accuracy is the mean over those seeds: one seed's held-out accuracy after a few
// epochs moves by a few points with float rounding alone, more than the ±0.01 being checked.
// Measured on the MLP (seeds 42..101, same orders both sides): per-seed TF.js − Keras has sd
// 0.0066 and mean −0.0009; the native and plain TF.js paths (equal to 1e-6 per step) differ from
// each other just as much, and seeds 42..44 are the worst 3-seed window of both comparisons.
const repeats = Number(process.env['BENCH_REPEATS'] ?? 3);
process.stderr.write(`  settings: ${epochs} epochs (first untimed, median of the rest), float32, shuffled each epoch, ${threads} intra/inter-op threads both sides, Keras jit_compile=${process.env['KERAS_JIT'] ?? 'auto'}, best of ${repeats} for speed, accuracy the mean over seeds 42..${41 + repeats}\n`);

type Side = { samples: number; mean: number; cpu: number; accuracy: number; p95: number; accuracies: number[] };
/** The faster run's timings, with the accuracies of every run (averaged over seeds). */
const better = (a: Side | undefined, b: Side): Side => {
  const accuracies = [...(a?.accuracies ?? []), ...b.accuracies];
  const faster = a && a.samples >= b.samples ? a : b;
  return { ...faster, accuracies, accuracy: accuracies.reduce((s, v) => s + v, 0) / accuracies.length };
};

for (const c of cases) {
  const dir = exportSplit(await c.load(), { ...c, epochs, seeds: Array.from({ length: repeats }, (_, r) => 42 + r) });
  try {
    const tfjs: Record<string, Side> = {};
    const failed = new Set<string>();
    let keras: Side | undefined;
    let kerasProblem: string | undefined = existsSync(python) ? undefined : `no Python at ${python} (scripts/setup.d/51-keras-baseline.sh makes it)`;
    for (let r = 0; r < repeats; r++) {
      for (const backend of backends) {
        if (failed.has(backend)) continue;
        const out = runJson(process.execPath, ['--import', 'tsx', join(here, 'training-run.ts'), dir], { ...tfEnv, BENCH_SEED: String(42 + r), SIGNFLOW_TFJS_BACKEND: backend });
        if (typeof out === 'string' || out['backend'] !== backend) {
          failed.add(backend);
          process.stderr.write(`  ${backend}: ${typeof out === 'string' ? out : `fell back to ${String(out['backend'])}`}\n`);
          continue;
        }
        tfjs[backend] = better(tfjs[backend], side(out));
        if (backend === 'wasm' || backend === 'cpu') failed.add(backend); // slow and not compared: once is enough
      }
      if (kerasProblem === undefined) {
        const out = runJson(python, [resolve(here, '..', 'keras-baseline', 'train.py'), dir], { ...tfEnv, BENCH_SEED: String(42 + r) });
        if (typeof out === 'string') kerasProblem = out;
        else keras = better(keras, side(out));
      }
    }
    for (const backend of backends) {
      const t = tfjs[backend];
      if (!t) {
        print(`train.samples_per_s.${c.name}.${backend}`, 'unavailable');
        continue;
      }
      print(`train.samples_per_s.${c.name}.${backend}`, t.samples, 'samples/s');
      print(`infer.window_ms_p95.${c.name}.${backend}`, t.p95, 'ms');
      print(`train.accuracy.${c.name}.${backend}`, t.accuracy);
    }
    if (!keras) {
      print(`train.ratio_vs_keras.${c.name}`, 'unavailable');
      process.stderr.write(`  keras: ${kerasProblem ?? 'no result'}\n`);
      continue;
    }
    print(`train.samples_per_s.${c.name}.keras`, keras.samples, 'samples/s');
    print(`infer.window_ms_p95.${c.name}.keras`, keras.p95, 'ms');
    print(`train.accuracy.${c.name}.keras`, keras.accuracy);
    const best = tfjs['tfjs-node'] ?? tfjs['wasm'] ?? tfjs['cpu'];
    if (best) {
      print(`train.ratio_vs_keras.${c.name}`, best.samples / keras.samples);
      print(`train.ratio_vs_keras_mean.${c.name}`, best.mean / keras.mean);
      print(`train.cpu_ratio_vs_keras.${c.name}`, best.cpu / keras.cpu);
      print(`train.accuracy_delta_vs_keras.${c.name}`, best.accuracy - keras.accuracy);
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

function side(out: Record<string, unknown>): Side {
  const accuracy = Number(out['accuracy']);
  return { samples: Number(out['samples_per_s']), mean: Number(out['samples_per_s_mean']), cpu: Number(out['samples_per_cpu_s']), accuracy, p95: Number(out['infer_window_ms_p95']), accuracies: [accuracy] };
}
if (process.env['BENCH_JSON']) writeFileSync(process.env['BENCH_JSON'], `${JSON.stringify(metrics, null, 2)}\n`);
