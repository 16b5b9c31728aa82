import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { tempDir } from '@signflow/testkit';
import { epochOrder } from '../src/training/data.js';
import { writeEpochOrders } from '../bench/keras-split.js';

/**
 * The Keras side of the training benchmark must train on the same batches as the TF.js trainer:
 * each epoch in train()'s epochOrder for the seed, reshuffled every epoch. (Keras 3's own
 * fit(shuffle=True) under keras.utils.set_random_seed repeats one order every epoch, which made
 * the accuracy comparison unfair.) Feature 0 of each sample is its index, and train.py's
 * KERAS_TRACE_BATCHES records it for every batch fit trained on.
 */
const here = fileURLToPath(new URL('.', import.meta.url));
const python = process.env['SIGNFLOW_KERAS_PYTHON'] ?? resolve(here, '..', '..', '.tools', 'keras-venv', 'bin', 'python');
const script = resolve(here, '..', 'keras-baseline', 'train.py');
const noPython = existsSync(python) ? false : `no Keras venv at ${python} (scripts/setup.d/51-keras-baseline.sh makes it)`;
const samples = 45;
const epochs = 3;

function writeSplit(dir: string): void {
  const features = 3;
  const x = new Float32Array(samples * features);
  for (let i = 0; i < samples; i++) x.set([i, (i % 3) - 1, ((i * 7) % 5) / 5], i * features);
  const labels = Int32Array.from({ length: samples }, (_, i) => i % 2);
  const bytes = (a: Float32Array | Int32Array) => new Uint8Array(a.buffer, a.byteOffset, a.byteLength);
  writeFileSync(join(dir, 'x_train.f32'), bytes(x));
  writeFileSync(join(dir, 'y_train.i32'), bytes(labels));
  writeFileSync(join(dir, 'x_test.f32'), bytes(x.slice(0, 4 * features)));
  writeFileSync(join(dir, 'y_test.i32'), bytes(labels.slice(0, 4)));
  const meta = { frames: 1, features, classes: 2, classNames: ['a', 'b'], architecture: 'mlp', units: 4, layers: 1, dropout: 0, kernelSize: 3, epochs, batchSize: 16, learningRate: 0.01, seed: 42 };
  writeFileSync(join(dir, 'meta.json'), JSON.stringify(meta));
}

/** The sample indices fit trained on, per epoch. */
async function tracedEpochs(dir: string, seed: number): Promise<number[][]> {
  const trace = join(dir, `trace-${seed}.json`);
  const env = { ...process.env, TF_CPP_MIN_LOG_LEVEL: '2', BENCH_SEED: String(seed), KERAS_TRACE_BATCHES: trace };
  const child = spawn(python, [script, dir], { env, stdio: ['ignore', 'pipe', 'pipe'] });
  let stderr = '';
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  child.stdout.resume();
  const code = await new Promise<number | null>((done) => child.on('close', done));
  assert.equal(code, 0, `train.py failed: ${stderr.trim().split('\n').slice(-5).join(' | ')}`);
  return (JSON.parse(readFileSync(trace, 'utf8')) as number[][]).map((epoch) => epoch.map(Math.round));
}

const isPermutation = (order: number[]) => [...order].sort((a, b) => a - b).every((v, i) => v === i);

test('Keras baseline: trains every epoch on the exported TF.js order of that seed, reshuffled each epoch', { skip: noPython, timeout: 240_000 }, async () => {
  await using dir = await tempDir('signflow-keras-order-');
  writeSplit(dir.path);
  writeEpochOrders(dir.path, samples, [7], epochs);
  const traced = await tracedEpochs(dir.path, 7);
  assert.equal(traced.length, epochs);
  traced.forEach((order, e) => assert.deepEqual(order, epochOrder(samples, 7, e), `epoch ${e} batches differ from epochOrder`));
  assert.notDeepEqual(traced[0], traced[1]);
});

test('Keras baseline without an exported order: a fresh permutation every epoch', { skip: noPython, timeout: 240_000 }, async () => {
  await using dir = await tempDir('signflow-keras-order-');
  writeSplit(dir.path);
  const traced = await tracedEpochs(dir.path, 7);
  assert.equal(traced.length, epochs);
  for (const order of traced) assert.ok(isPermutation(order), `not a permutation: ${order.join(',')}`);
  assert.notDeepEqual(traced[0], traced[1], 'epochs 1 and 2 used the same order');
  assert.notDeepEqual(traced[1], traced[2], 'epochs 2 and 3 used the same order');
});
