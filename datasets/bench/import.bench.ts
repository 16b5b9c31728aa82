/**
 * `npm run bench -w datasets`: import throughput, one JSON line per figure (core's reportFigure).
 * - datasets.import_seq_per_s: Kaggle ISLR parquet sequences imported per second (parse,
 *   validate, convert to the 543-point layout, write the content-addressed version), on
 *   generated files in the real format (40 frames × 543 landmarks, snappy, like pandas writes).
 *   Baseline: hyparquet reading the same files' columns, nothing else, in the same run.
 * - datasets.import_msl150_seq_per_s: the MSL-150 fixture (86 sequences of 30 .npy frames);
 *   baseline: reading those files' bytes only.
 * - datasets.nats_store_import_seq_per_s, datasets.nats_store_load_mb_per_s: the same import
 *   into, and a whole-version read from, a NATS object store bucket (real nats-server);
 *   baseline: the local disk store.
 * - landmarks.*: the figures of @signflow/landmarks' runLandmarkBenchmarks (set
 *   SIGNFLOW_BENCH_SKIP_LANDMARKS=1 to leave them out; they take 2–3 minutes).
 */
import { readFile, readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { parquetRead } from 'hyparquet';
import { reportFigure } from '@signflow/core';
import { fixture, startTestNats, tempDir } from '@signflow/testkit';
import { NatsObjectBackend } from '../src/store/nats-object.js';
import { openDataset } from '../src/store/open.js';
import { DatasetStore } from '../src/store/store.js';
import { importSource } from '../src/importers/common.js';
import { openKaggleIslr } from '../src/importers/kaggle-islr.js';
import { openMsl150 } from '../src/importers/msl150.js';
import { writeIslr } from '../test/helpers/islr.js';

const SEQUENCES = Number(process.env['SIGNFLOW_BENCH_SEQUENCES'] ?? 120);
const FRAMES = 40;

await using dir = await tempDir('signflow-bench-');
const root = join(dir.path, 'asl-signs');
const rows: string[] = [];
for (let i = 0; i < SEQUENCES; i++) {
  const path = `train_landmark_files/${1000 + (i % 12)}/${i}.parquet`;
  await writeIslr(join(root, path), { frames: FRAMES, seed: i, noLeftHand: i % 2 === 0 });
  rows.push(`${path},${1000 + (i % 12)},${i},sign${i % 25}`);
}
const { writeFile } = await import('node:fs/promises');
await writeFile(join(root, 'train.csv'), `path,participant_id,sequence_id,sign\n${rows.join('\n')}\n`);

// Baseline: hyparquet reads the columns of every file, nothing else.
const rawStart = performance.now();
for (const row of rows) {
  const bytes = await readFile(join(root, row.split(',')[0] ?? ''));
  const buffer = bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength);
  await parquetRead({ file: buffer, columns: ['frame', 'type', 'landmark_index', 'x', 'y', 'z'], onChunk: () => undefined });
}
const rawPerS = SEQUENCES / ((performance.now() - rawStart) / 1000);

const store = DatasetStore.local(join(dir.path, 'data'));
const t0 = performance.now();
const v = await importSource(await openKaggleIslr(root), { store, name: 'bench-islr' });
const importPerS = v.manifest.sampleCount / ((performance.now() - t0) / 1000);
if (v.manifest.sampleCount !== SEQUENCES) throw new Error(`imported ${v.manifest.sampleCount} of ${SEQUENCES} sequences`);
reportFigure('datasets.import_seq_per_s', importPerS, 'sequences/s', rawPerS);

// MSL-150 npy fixture; baseline: reading the bytes of its files.
const base = fixture('msl150', 'sample_npy');
const files: string[] = [];
for (const sign of await readdir(base)) for (const seq of await readdir(join(base, sign))) for (const f of await readdir(join(base, sign, seq))) files.push(join(base, sign, seq, f));
const readStart = performance.now();
for (const f of files) await readFile(f);
const readPerS = 86 / ((performance.now() - readStart) / 1000);
const t1 = performance.now();
const m = await importSource(await openMsl150(fixture('msl150')), { store, name: 'bench-msl150' });
const localPerS = m.manifest.sampleCount / ((performance.now() - t1) / 1000);
reportFigure('datasets.import_msl150_seq_per_s', localPerS, 'sequences/s', readPerS);

// The same import into a NATS object store bucket on a real nats-server, and reading the version
// back whole; baselines: the local store just above (ratio < 1 = slower than local disk).
{
  await using nats = await startTestNats();
  const natsStore = new DatasetStore(await NatsObjectBackend.connect({ servers: nats.url, bucket: 'bench_datasets' }));
  try {
    const t2 = performance.now();
    const n = await importSource(await openMsl150(fixture('msl150')), { store: natsStore, name: 'bench-msl150' });
    reportFigure('datasets.nats_store_import_seq_per_s', n.manifest.sampleCount / ((performance.now() - t2) / 1000), 'sequences/s', localPerS);
    const loadMbPerS = async (from: DatasetStore) => {
      const start = performance.now();
      await (await openDataset(n.id, { store: from })).load();
      return n.manifest.files.data.bytes / 1e6 / ((performance.now() - start) / 1000);
    };
    const localLoad = await loadMbPerS(store);
    reportFigure('datasets.nats_store_load_mb_per_s', await loadMbPerS(natsStore), 'MB/s', localLoad);
  } finally {
    await natsStore.close();
  }
}

if (!process.env['SIGNFLOW_BENCH_SKIP_LANDMARKS']) {
  const { runLandmarkBenchmarks } = await import('@signflow/landmarks/bench');
  // Its figures print as JSON lines like the ones above (notes on stderr).
  await runLandmarkBenchmarks();
}
