import { SingleBar } from 'cli-progress';

/**
 * Epoch progress of running steps for `signflow run watch`. A step that reports progress (the
 * training step) writes one `progress {json}` line per epoch to its log, with `epoch`, `epochs`
 * and `metrics` (loss, accuracy, samplesPerSec, ...): the same figures it publishes on NATS and
 * stores with the run. Watch reads the log from where it left off and shows, per step, a live
 * bar on a terminal, or one line per epoch otherwise (CI logs, pipes; JSON lines with --json).
 */
export interface EpochProgress {
  epoch: number;
  epochs: number;
  loss?: number | undefined;
  accuracy?: number | undefined;
  samplesPerSec?: number | undefined;
  valAccuracy?: number | undefined;
  backend?: string | undefined;
}

/** The epoch reports in a chunk of step log text (lines that are not progress reports are skipped). */
export function parseProgressLines(text: string): EpochProgress[] {
  const out: EpochProgress[] = [];
  for (const line of text.split('\n')) {
    const at = line.indexOf('progress {');
    if (at < 0) continue;
    let value: unknown;
    try {
      value = JSON.parse(line.slice(at + 'progress '.length));
    } catch {
      continue;
    }
    const p = value as { epoch?: unknown; epochs?: unknown; backend?: unknown; metrics?: Record<string, unknown> };
    if (typeof p.epoch !== 'number' || typeof p.epochs !== 'number' || typeof p.metrics !== 'object' || p.metrics === null) continue;
    const num = (v: unknown) => (typeof v === 'number' && Number.isFinite(v) ? v : undefined);
    out.push({
      epoch: p.epoch,
      epochs: p.epochs,
      loss: num(p.metrics['loss']),
      accuracy: num(p.metrics['accuracy']),
      samplesPerSec: num(p.metrics['samplesPerSec']),
      valAccuracy: num(p.metrics['valAccuracy']),
      backend: typeof p.backend === 'string' ? p.backend : undefined,
    });
  }
  return out;
}

const fixed = (v: number | undefined, digits: number) => (v === undefined ? '-' : v.toFixed(digits));

/** `epoch 3/8  loss 0.1234  acc 0.951  1234 samples/s` */
export function describeEpoch(p: EpochProgress): string {
  return [
    `epoch ${p.epoch}/${p.epochs}`,
    `loss ${fixed(p.loss, 4)}`,
    `acc ${fixed(p.accuracy, 3)}`,
    ...(p.valAccuracy !== undefined ? [`val_acc ${fixed(p.valAccuracy, 3)}`] : []),
    `${p.samplesPerSec === undefined ? '-' : Math.round(p.samplesPerSec)} samples/s`,
    ...(p.backend ? [`(${p.backend})`] : []),
  ].join('  ');
}

export interface ProgressView {
  /** New log text of a step (from the last offset on). */
  feed(stepPath: string, text: string): void;
  /** The step ended: close its bar. */
  end(stepPath: string): void;
  stop(): void;
}

export function progressView(options: { json: boolean; stream?: NodeJS.WriteStream }): ProgressView {
  const stream = options.stream ?? process.stdout;
  const lastEpoch = new Map<string, number>();
  const bars = new Map<string, SingleBar>();
  const tty = stream.isTTY && !options.json;
  const fresh = (stepPath: string, text: string) =>
    parseProgressLines(text).filter((p) => {
      if (p.epoch <= (lastEpoch.get(stepPath) ?? 0)) return false;
      lastEpoch.set(stepPath, p.epoch);
      return true;
    });
  return {
    feed(stepPath, text) {
      for (const p of fresh(stepPath, text)) {
        if (options.json) {
          stream.write(`${JSON.stringify({ step: stepPath, ...p })}\n`);
        } else if (!tty) {
          stream.write(`${new Date().toISOString().slice(11, 19)}  ${stepPath.padEnd(32)} ${describeEpoch(p)}\n`);
        } else {
          let bar = bars.get(stepPath);
          if (!bar) {
            bar = new SingleBar({ format: `${stepPath.padEnd(20)} [{bar}] {line}`, stream, hideCursor: true, clearOnComplete: false, barsize: 24 });
            bar.start(p.epochs, 0, { line: '' });
            bars.set(stepPath, bar);
          }
          bar.setTotal(p.epochs);
          bar.update(p.epoch, { line: describeEpoch(p) });
        }
      }
    },
    end(stepPath) {
      bars.get(stepPath)?.stop();
      bars.delete(stepPath);
    },
    stop() {
      for (const bar of bars.values()) bar.stop();
      bars.clear();
    },
  };
}
