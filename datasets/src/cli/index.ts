import { resolve } from 'node:path';
import type { Command } from 'commander';
import type { CliContext } from '@signflow/core';
import { FRAME_FLAG_NAMES } from '../format/manifest.js';
import { importSource, type ImportSource } from '../importers/common.js';
import { openKaggleIslr } from '../importers/kaggle-islr.js';
import { openKeypointCsv } from '../importers/keypoint-csv.js';
import { openMsl150 } from '../importers/msl150.js';
import { openPoseFormat } from '../importers/pose-format.js';
import { openVideos } from '../importers/video.js';
import { exportDataset } from '../derive/export.js';
import { preprocessDataset, type PreprocessSpec } from '../derive/preprocess.js';
import { splitDataset } from '../derive/split.js';
import { loadRig } from '../record/rig.js';
import { Dataset } from '../store/dataset.js';
import { openConfiguredStore } from '../store/configured.js';
import type { DatasetStore } from '../store/store.js';
import { int } from './flags.js';
import { progressBar } from './progress.js';
import { registerRecordCommand } from './record.js';
import { renderList, renderShow, table } from './render.js';

const KINDS = ['msl150', 'keypoint-csv', 'pose', 'kaggle-islr', 'video'] as const;
type Kind = (typeof KINDS)[number];

interface ImportFlags {
  name: string;
  description?: string;
  strict?: boolean;
  fps?: string;
  signer?: string;
  labels?: string;
  gloss?: string;
  glossFrom?: 'dir' | 'file';
  limit?: string;
  width?: string;
  maxFrames?: string;
}

async function openSource(kind: Kind, path: string, f: ImportFlags): Promise<ImportSource> {
  const glossOpts = { ...(f.gloss ? { gloss: f.gloss } : {}), ...(f.labels ? { labels: resolve(f.labels) } : {}), ...(f.glossFrom ? { glossFrom: f.glossFrom } : {}) };
  switch (kind) {
    case 'msl150':
      return openMsl150(path, { ...(f.fps ? { fps: int('fps', f.fps) } : {}), ...(f.signer ? { signer: f.signer } : {}) });
    case 'keypoint-csv':
      return openKeypointCsv(path, f.labels ? { labelsFile: resolve(f.labels) } : {});
    case 'pose':
      return openPoseFormat(path, glossOpts);
    case 'kaggle-islr':
      return openKaggleIslr(path, { ...(f.fps ? { fps: int('fps', f.fps) } : {}), ...(f.limit ? { limit: int('limit', f.limit) } : {}) });
    case 'video':
      return openVideos(path, { ...glossOpts, ...(f.width ? { width: int('width', f.width) } : {}), ...(f.maxFrames ? { maxFrames: int('max-frames', f.maxFrames) } : {}) });
  }
}

/** `signflow dataset import|extract|ls|show|split|preprocess|export|record`. */
export function registerCommands(program: Command, ctx: CliContext): void {
  const dataset = program
    .command('dataset')
    .description('Sign datasets: import, inspect, split, preprocess, export, record (content-addressed versions)')
    .option('--store <kind>', 'local | nats: where versions live (default: datasets.store in signflow.yaml, else local)');
  /** Opens the chosen store for one command and closes it after (a NATS store holds a connection). */
  const withStore = async <T>(fn: (store: DatasetStore) => Promise<T>): Promise<T> => {
    const store = await openConfiguredStore(ctx.loadConfig(), dataset.opts<{ store?: string }>().store);
    try {
      return await fn(store);
    } finally {
      await store.close();
    }
  };
  const open = async (store: DatasetStore, ref: string) => Dataset.open(store, await store.resolve(ref));

  const runImport = async (kind: Kind, path: string, f: ImportFlags) => {
    const source = await openSource(kind, resolve(path), f);
    const bar = progressBar(`import ${kind}`);
    try {
      const v = await withStore((store) => importSource(source, {
        store,
        name: f.name,
        ...(f.description ? { description: f.description } : {}),
        ...(f.strict ? { strict: true } : {}),
        onProgress: (done, total, skipped) => bar.update(done, total, skipped ? `(${skipped} skipped)` : ''),
      }));
      bar.stop();
      const summary = { id: v.id, name: v.manifest.name, samples: v.manifest.sampleCount, frames: v.manifest.frameCount, classes: v.manifest.labels.length, skipped: v.manifest.quality.skipped };
      ctx.output(summary, () => {
        const skipped = Object.entries(v.manifest.quality.skipped).map(([r, n]) => `${n} ${r}`).join(', ');
        return `${v.manifest.name} @ ${v.id}\n${v.manifest.sampleCount} samples, ${v.manifest.frameCount} frames, ${v.manifest.labels.length} classes${skipped ? `; skipped: ${skipped} (see \`signflow dataset show ${v.id.slice(0, 12)}\`)` : ''}`;
      });
    } catch (err) {
      bar.stop();
      throw err;
    }
  };

  const importOptions = (c: Command) =>
    c
      .requiredOption('--name <name>', 'dataset name (versions of one name are listed together)')
      .option('--description <text>', 'one line saying what it is')
      .option('--strict', 'stop at the first bad item instead of counting and skipping it')
      .option('--fps <n>', 'frames per second when the source does not say (msl150, kaggle-islr; default 30)')
      .option('--signer <id>', 'signer id for every sample (msl150; default msl150-signer-1)')
      .option('--labels <file>', 'keypoint-csv: class label file; pose/video: CSV path,gloss[,signer]')
      .option('--gloss <gloss>', 'pose/video: one gloss for every file')
      .option('--gloss-from <dir|file>', 'pose/video: gloss from the parent folder (default) or the file name')
      .option('--limit <n>', 'kaggle-islr: first n rows of train.csv only')
      .option('--width <px>', 'video: decode at this width')
      .option('--max-frames <n>', 'video: at most n frames per video');

  importOptions(
    dataset
      .command('import')
      .description(`Import a source as a new dataset version; kinds: ${KINDS.join(', ')}`)
      .argument('<kind>', KINDS.join(' | '))
      .argument('<path>', 'file or folder (MSL-150 sample_npy, keypoint.csv, .pose file/folder, ISLR train.csv, videos)'),
  ).action(async (kind: string, path: string, f: ImportFlags) => {
    if (!(KINDS as readonly string[]).includes(kind)) throw new Error(`unknown import kind ${JSON.stringify(kind)}: use one of ${KINDS.join(', ')}`);
    await runImport(kind as Kind, path, f);
  });

  importOptions(
    dataset
      .command('extract')
      .description('Extract landmarks from videos with MediaPipe (hands + pose, CPU) into a dataset version')
      .argument('<path>', 'a video file or a folder of videos (gloss = folder name unless --gloss/--labels)'),
  ).action(async (path: string, f: ImportFlags) => runImport('video', path, f));

  dataset
    .command('ls')
    .description('List dataset versions')
    .option('--name <name>', 'only this name')
    .action(async (f: { name?: string }) => {
      const rows = (await withStore((store) => store.list())).filter((r) => !f.name || r.name === f.name);
      ctx.output(rows, () => renderList(rows));
    });

  dataset
    .command('show')
    .description('Show a version: layout, class and signer counts, quality counts, splits, provenance (--json: the manifest)')
    .argument('<ref>', 'name, name@id-prefix, or version id (prefix)')
    .action(async (ref: string) => {
      const ds = await withStore((store) => open(store, ref));
      ctx.output({ id: ds.id, manifest: ds.manifest }, () => renderShow(ds.id, ds.manifest));
    });

  dataset
    .command('split')
    .description('New version with k folds: group k-fold by signer (no signer in two folds), or stratified when samples have no signer ids')
    .argument('<ref>')
    .option('--k <k>', 'folds', '5')
    .option('--seed <n>', 'shuffle seed', '0')
    .option('--method <m>', 'auto | group-kfold | stratified-kfold', 'auto')
    .option('--name <name>', 'name of the new version (default: the same)')
    .action(async (ref: string, f: { k: string; seed: string; method: string; name?: string }) => {
      if (!['auto', 'group-kfold', 'stratified-kfold'].includes(f.method)) throw new Error(`--method: use auto, group-kfold or stratified-kfold`);
      const v = await withStore(async (store) =>
        splitDataset(await open(store, ref), { store, k: int('k', f.k) ?? 5, seed: int('seed', f.seed) ?? 0, method: f.method as 'auto', ...(f.name ? { name: f.name } : {}) }),
      );
      ctx.output({ id: v.id, split: v.manifest.splits }, () =>
        [`${v.manifest.name} @ ${v.id}`, `${v.split.method}, k=${v.split.k}, seed ${v.split.seed}`, table(['fold', 'samples', 'signers'], v.split.foldSizes.map((n, i) => [i, n, v.split.foldSigners?.[i]?.join(' ') ?? '-']))].join('\n'),
      );
    });

  dataset
    .command('preprocess')
    .description('New version with undistortion, quality filters, normalisation, resampling, mirroring, augmentation (deterministic from --seed)')
    .argument('<ref>')
    .option('--seed <n>', 'seed of every random step', '0')
    .option('--rig <file>', 'undistort with the calibrations in this rig file (samples seen by one camera)')
    .option('--calibrated-size <WxH>', 'calibrated image size, for image-normalised coordinates')
    .option('--quality', 'flag low-light/blur/hands-out/no-landmark frames')
    .option('--drop <flags>', `drop frames with these flags (comma list of ${FRAME_FLAG_NAMES.join(', ')}); implies --quality`)
    .option('--normalize <mode>', 'body (shoulder centre and width) | hand (wrist-relative)')
    .option('--resample <frames>', 'resample every sample to this many frames')
    .option('--mirror <mode>', 'add (mirrored copies) | replace')
    .option('--augment <copies>', 'augmented copies per sample')
    .option('--rotation <deg>', 'augment: rotation ± degrees', '0')
    .option('--scale <f>', 'augment: scale ± fraction', '0')
    .option('--time-warp <f>', 'augment: time warp strength (0–0.45)', '0')
    .option('--dropout <p>', 'augment: landmark dropout probability', '0')
    .option('--name <name>', 'name of the new version (default: the same)')
    .action(async (ref: string, f: Record<string, string | boolean | undefined>) => {
      const num = (k: string) => int(k, typeof f[k] === 'string' ? f[k] : undefined);
      const spec: PreprocessSpec = { seed: num('seed') ?? 0 };
      if (typeof f['rig'] === 'string') {
        const rig = await loadRig(resolve(f['rig']));
        const [w, h] = typeof f['calibratedSize'] === 'string' ? f['calibratedSize'].split('x').map(Number) : [];
        spec.undistort = { cameras: Object.fromEntries([...rig.cameras].map(([id, c]) => [id, c.intrinsics])), ...(w && h ? { width: w, height: h } : {}) };
      }
      if (f['quality'] || typeof f['drop'] === 'string') spec.quality = { drop: typeof f['drop'] === 'string' ? (f['drop'].split(',').map((s) => s.trim()) as never) : [] };
      if (typeof f['normalize'] === 'string') spec.normalize = f['normalize'] as 'body';
      if (typeof f['resample'] === 'string') spec.resample = num('resample');
      if (typeof f['mirror'] === 'string') spec.mirror = f['mirror'] as 'add';
      if (typeof f['augment'] === 'string') spec.augment = { copies: num('augment') ?? 1, rotationDeg: num('rotation'), scale: num('scale'), timeWarp: num('timeWarp'), dropout: num('dropout') };
      const bar = progressBar('preprocess');
      const v = await withStore(async (store) =>
        preprocessDataset(await open(store, ref), spec, { store, ...(typeof f['name'] === 'string' ? { name: f['name'] } : {}), onProgress: (d, t) => bar.update(d, t) }),
      );
      bar.stop();
      ctx.output({ id: v.id, samples: v.manifest.sampleCount, quality: v.manifest.quality }, () => `${v.manifest.name} @ ${v.id}\n${v.manifest.sampleCount} samples, ${v.manifest.frameCount} frames, coordinates ${v.manifest.coordinates.space}`);
    });

  dataset
    .command('export')
    .description('Write a version out: npy (x.npy, y.npy, labels.txt, samples.csv) or dir (the version files, self-contained)')
    .argument('<ref>')
    .requiredOption('--out <dir>', 'output folder')
    .option('--format <f>', 'npy | dir', 'npy')
    .option('--frames <n>', 'npy: resample every sample to n frames (needed when lengths differ)')
    .option('--components <list>', 'npy: components to keep, e.g. left_hand,right_hand')
    .option('--channels <list>', 'npy: channels to keep, e.g. x,y,z')
    .action(async (ref: string, f: { out: string; format: string; frames?: string; components?: string; channels?: string }) => {
      if (f.format !== 'npy' && f.format !== 'dir') throw new Error('--format: use npy or dir');
      const r = await withStore(async (store) =>
        exportDataset(await open(store, ref), f.format as 'npy' | 'dir', resolve(f.out), {
          ...(f.frames ? { frames: int('frames', f.frames) } : {}),
          ...(f.components ? { components: f.components.split(',') } : {}),
          ...(f.channels ? { channels: f.channels.split(',') as never } : {}),
        }),
      );
      ctx.output(r, () => `wrote ${r.files.join(', ')} to ${r.out}${r.shape ? ` (x: ${r.shape.join(' × ')})` : ''}`);
    });

  registerRecordCommand(dataset, ctx, withStore);
}
