import type { NatsConnection } from '@nats-io/nats-core';
import { captionLatencyMs, captionSchema, subjects, subjectToken, type Caption } from '@signflow/core';
import { CaptionsCommandError } from './errors.js';
import { collapseSegments, recentCaptions } from './recent.js';

export interface FollowOptions {
  nc: NatsConnection;
  rig: string;
  /** Keep printing new captions until `signal` aborts. */
  follow: boolean;
  /** Show kept captions of the last this many ms first (default 10 min). */
  sinceMs?: number;
  /** Terminal mode: a partial is shown on the current line and overwritten by its final. */
  tty: boolean;
  /** JSON lines (one caption each, partials included) instead of text. */
  json?: boolean;
  write: (text: string) => void;
  signal?: AbortSignal;
  now?: () => number;
}

/** One caption as a line of text. */
export function formatCaption(caption: Caption, nowMs: number): string {
  const confidence = `${Math.round(caption.confidence * 100)}%`;
  if (caption.kind === 'partial') return `… ${caption.label} (${confidence})`;
  const latency = Math.round(captionLatencyMs(caption, nowMs));
  return `#${caption.index} ${caption.label}  ${confidence}  model ${caption.model.name} v${caption.model.version}  ${latency} ms`;
}

/**
 * `signflow captions --rig R [--follow]`: prints the rig's kept captions, then (with follow)
 * each new one as it arrives. On a terminal a partial sits on the current line and its final
 * replaces it; elsewhere only finals are printed (or every caption as JSON lines).
 */
export async function followCaptions(options: FollowOptions): Promise<void> {
  const rig = subjectToken.safeParse(options.rig);
  if (!rig.success) throw new CaptionsCommandError(`--rig ${JSON.stringify(options.rig)}: ${rig.error.issues[0]?.message ?? 'invalid'}`);
  const now = options.now ?? Date.now;
  let partialShown = false;
  const finished = new Set<string>();
  const print = (caption: Caption, kept = false): void => {
    if (options.json) {
      options.write(`${JSON.stringify(caption)}\n`);
      return;
    }
    if (caption.kind === 'final') {
      if (finished.has(caption.segment)) return;
      finished.add(caption.segment);
      // A kept caption's latency is the transcriber's (emission); a live one's is at arrival here.
      options.write(`${partialShown ? '\r\x1b[2K' : ''}${formatCaption(caption, kept ? caption.emittedAtMs : now())}\n`);
      partialShown = false;
    } else if (options.tty && !finished.has(caption.segment)) {
      options.write(`\r\x1b[2K${formatCaption(caption, now())}`);
      partialShown = true;
    }
  };
  const sub = options.follow ? options.nc.subscribe(subjects.captions(rig.data)) : undefined;
  if (sub) await options.nc.flush();
  const kept = await recentCaptions(options.nc, rig.data, { sinceMs: options.sinceMs ?? 10 * 60_000 });
  for (const caption of options.json ? kept : collapseSegments(kept)) print(caption, true);
  if (!sub) return;
  const seen = new Set(kept.map((c) => `${c.segment}/${c.kind}/${c.frames}`));
  const stop = (): void => sub.unsubscribe();
  options.signal?.addEventListener('abort', stop, { once: true });
  if (options.signal?.aborted) stop();
  for await (const msg of sub) {
    let raw: unknown;
    try {
      raw = msg.json();
    } catch {
      continue;
    }
    const parsed = captionSchema.safeParse(raw);
    if (!parsed.success) continue;
    const key = `${parsed.data.segment}/${parsed.data.kind}/${parsed.data.frames}`;
    if (seen.has(key)) continue;
    print(parsed.data);
  }
  if (partialShown) options.write('\n');
}
