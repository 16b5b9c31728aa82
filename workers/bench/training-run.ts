// One backend's side of the training benchmark (a process per backend: TF.js has one backend per
// process). Usage: training-run.ts SPLIT_DIR, with SIGNFLOW_TFJS_BACKEND set. Prints one JSON line.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { tmpdir } from 'node:os';
import { mkdtempSync, rmSync } from 'node:fs';
import { parseTrainParams } from '../src/training/params.ts';
import { train } from '../src/training/trainer.ts';
import { DirectoryStore } from '../src/training/store.ts';
import { evaluateModel } from '../src/evaluation/evaluate.ts';
import { disposeModel } from '../src/training/models.ts';
import type { SequenceDataset } from '../src/training/data.ts';

const dir = process.argv[2] ?? '';
const meta = JSON.parse(readFileSync(join(dir, 'meta.json'), 'utf8')) as { frames: number; features: number; classNames: string[]; architecture: string; units: number; layers: number; dropout: number; kernelSize: number; epochs: number; batchSize: number; learningRate: number; seed: number };
// The bench varies the training seed across its repeats (the same seed on both sides).
const seed = Number(process.env['BENCH_SEED'] ?? meta.seed);
const read = (name: string, shape: number): SequenceDataset => {
  const xBytes = readFileSync(join(dir, `x_${name}.f32`));
  const yBytes = readFileSync(join(dir, `y_${name}.i32`));
  const x = new Float32Array(xBytes.buffer.slice(xBytes.byteOffset, xBytes.byteOffset + xBytes.byteLength));
  const labels = new Int32Array(yBytes.buffer.slice(yBytes.byteOffset, yBytes.byteOffset + yBytes.byteLength));
  return { x, shape: [labels.length, meta.frames, shape], labels, classNames: meta.classNames };
};
const trainSet = read('train', meta.features);
const testSet = read('test', meta.features);
const params = parseTrainParams({
  model: { architecture: meta.architecture, units: meta.units, layers: meta.layers, dropout: meta.dropout, kernelSize: meta.kernelSize, seed },
  epochs: meta.epochs, batchSize: meta.batchSize, learningRate: meta.learningRate, checkpointEvery: meta.epochs, standardize: false, validationFraction: 0,
});
const storeDir = mkdtempSync(join(tmpdir(), 'signflow-bench-'));
try {
  // Process CPU time (all threads) at each epoch's end: on a shared machine, work per sample is
  // steadier than wall time; reported beside it.
  const cpuAtEpoch: number[] = [];
  const result = await train({
    dataset: trainSet,
    datasetIdentity: dir,
    params,
    store: new DirectoryStore(storeDir),
    checkpointKey: 'bench/train',
    split: { train: trainSet, validation: undefined, test: testSet, strategy: 'stratified' },
    onEpoch: () => {
      const usage = process.cpuUsage();
      cpuAtEpoch.push((usage.user + usage.system) / 1e6);
    },
  });
  const cpuSeconds = (cpuAtEpoch.at(-1) ?? 0) - (cpuAtEpoch[0] ?? 0);
  // Steady state: the first epoch (kernel and tape warm-up) is not timed, as on the Keras side.
  const timed = result.history.slice(1);
  const seconds = timed.reduce((s, m) => s + m.seconds, 0);
  const perEpoch = timed.map((m) => m.samplesPerSec).sort((a, b) => a - b);
  const report = await evaluateModel(result.model, testSet, { latencyWindows: 100 });
  disposeModel(result.model);
  process.stdout.write(
    `${JSON.stringify({
      backend: result.backend.backend,
      attempts: result.backend.attempts,
      samples_per_s: median(perEpoch),
      samples_per_s_mean: (trainSet.shape[0] * timed.length) / seconds,
      samples_per_cpu_s: (trainSet.shape[0] * timed.length) / cpuSeconds,
      epochs: result.history.length,
      accuracy: report.accuracy,
      infer_window_ms_p95: report.latency.p95Ms,
    })}\n`,
  );
} finally {
  rmSync(storeDir, { recursive: true, force: true });
}

function median(sorted: number[]): number {
  if (sorted.length === 0) return Number.NaN;
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? (sorted[mid] ?? 0) : ((sorted[mid - 1] ?? 0) + (sorted[mid] ?? 0)) / 2;
}
