import { resolve } from 'node:path';
import type { Command } from 'commander';
import { natsClientOptions, type CliContext, type SignflowConfig } from '@signflow/core';
import { DatasetInputError } from '../errors.js';
import { recordWithKeys } from '../record/key-recorder.js';
import { keyHelp, type KeyEvent } from '../record/key-segmenter.js';
import { readLabelFile } from '../record/labels.js';
import { recordFromNats, type RecordResult } from '../record/recorder.js';
import { loadRig } from '../record/rig.js';
import { terminalKeys } from '../record/terminal-keys.js';
import type { DatasetStore } from '../store/store.js';
import { int } from './flags.js';
import { progressBar } from './progress.js';

interface RecordFlags {
  rig: string;
  labels?: string;
  glosses?: string;
  name: string;
  nats?: string;
  signer?: string;
  timeout?: string;
}

type WithStore = <T>(fn: (store: DatasetStore) => Promise<T>) => Promise<T>;

/** The server to record from, and the credentials configured NATS clients use. */
function natsTarget(f: RecordFlags, rigUrl: string | undefined, config: SignflowConfig): { url: string; connectOptions: Omit<ReturnType<typeof natsClientOptions>, 'servers'> } {
  const { servers, ...connectOptions } = natsClientOptions(config);
  return { url: f.nats ?? rigUrl ?? servers, connectOptions };
}

function describeEvent(e: KeyEvent): string {
  switch (e.type) {
    case 'started':
      return `● ${e.gloss} recording`;
    case 'ended':
      return `■ ${e.segment.gloss} ended (segment ${e.segment.n})`;
    case 'discarded':
      return `✗ ${e.gloss} discarded`;
    case 'typing':
      return `gloss: ${e.text}`;
    case 'finished':
      return `finishing: ${e.segments.length} segment(s)`;
    case 'hint':
      return e.text;
  }
}

/** `signflow dataset record`: segments from a label file, or cut live with the keyboard. */
export function registerRecordCommand(dataset: Command, ctx: CliContext, withStore: WithStore): void {
  dataset
    .command('record')
    .description("Record a rig's landmark packets from NATS into a dataset version, cut by a label file or live by keystrokes")
    .requiredOption('--rig <file>', 'rig file (rig.yaml): rig id, cameras, calibrations (2+ calibrated cameras are fused)')
    .requiredOption('--name <name>', 'dataset name')
    .option('--labels <file>', 'CSV start,end,gloss[,signer]: seconds from the first packet, or ISO date-times (without it: keystrokes)')
    .option('--glosses <list>', 'keystrokes: glosses the keys 1–9 start, e.g. hello,thanks,please (g types any other)')
    .option('--nats <url>', 'NATS server (default: the rig file, else the local stack)')
    .option('--signer <id>', 'signer id of the samples (label rows may name their own)')
    .option('--timeout <s>', 'stop after this many seconds (default: 600 with a label file, 3600 with keystrokes)')
    .action(async (f: RecordFlags) => {
      if (f.labels && f.glosses) throw new DatasetInputError(f.labels, '--glosses is for keystroke recording: give either --labels or --glosses');
      const rig = await loadRig(resolve(f.rig));
      const nats = natsTarget(f, rig.natsUrl, ctx.loadConfig());
      const v = f.labels ? await recordByLabels(f, f.labels, rig, nats, withStore) : await recordByKeys(f, rig, nats, withStore);
      ctx.output({ id: v.id, samples: v.manifest.sampleCount, packets: v.packets, invalidPackets: v.invalidPackets, classCounts: v.manifest.classCounts, skipped: v.manifest.quality.skipped }, () =>
        `${v.manifest.name} @ ${v.id}\n${v.manifest.sampleCount} samples from ${v.packets} packets (${v.invalidPackets} invalid); skipped ${JSON.stringify(v.manifest.quality.skipped)}`,
      );
    });
}

type Rig = Awaited<ReturnType<typeof loadRig>>;
type NatsTarget = ReturnType<typeof natsTarget>;

async function recordByLabels(f: RecordFlags, labels: string, rig: Rig, nats: NatsTarget, withStore: WithStore): Promise<RecordResult> {
  const segments = await readLabelFile(resolve(labels));
  const controller = new AbortController();
  const stop = () => controller.abort();
  process.once('SIGINT', stop);
  process.stderr.write(`recording rig ${rig.id} (${rig.cameraIds.join(', ')}): ${segments.length} segments; Ctrl-C stops early\n`);
  const bar = progressBar('record');
  try {
    return await withStore((store) =>
      recordFromNats({
        store,
        name: f.name,
        rig,
        segments,
        natsUrl: nats.url,
        connectOptions: nats.connectOptions,
        signer: f.signer ?? null,
        timeoutMs: (int('timeout', f.timeout) ?? 600) * 1000,
        signal: controller.signal,
        onPacket: (received, kept) => bar.update(kept, undefined, `(${received} packets received)`),
      }),
    );
  } finally {
    bar.stop();
    process.off('SIGINT', stop);
  }
}

async function recordByKeys(f: RecordFlags, rig: Rig, nats: NatsTarget, withStore: WithStore): Promise<RecordResult> {
  const glosses = (f.glosses ?? '').split(',').map((g) => g.trim()).filter(Boolean);
  if (glosses.length > 9) process.stderr.write(`only the first 9 glosses get a digit key; type the others with g\n`);
  const keys = terminalKeys(process.stdin);
  const controller = new AbortController();
  const stop = () => controller.abort();
  process.once('SIGINT', stop);
  try {
    return await withStore((store) =>
      recordWithKeys({
        store,
        name: f.name,
        rig,
        natsUrl: nats.url,
        connectOptions: nats.connectOptions,
        glosses,
        keys,
        signer: f.signer ?? null,
        timeoutMs: (int('timeout', f.timeout) ?? 3600) * 1000,
        signal: controller.signal,
        onReady: () => process.stderr.write(`recording rig ${rig.id} (${rig.cameraIds.join(', ')}): ${keyHelp(glosses)}\n`),
        onEvent: (e, counts) => process.stderr.write(`${describeEvent(e)}${e.type === 'ended' || e.type === 'finished' ? ` — ${counts.received} packets received` : ''}\n`),
      }),
    );
  } finally {
    keys.close();
    process.off('SIGINT', stop);
  }
}
