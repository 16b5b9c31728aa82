import { decodeKeys, type Key } from './key-segmenter.js';

export interface KeySource extends AsyncIterable<Key> {
  /** Restores the terminal and stops reading. */
  close(): void;
}

/**
 * Keys from a readable stream: a terminal is put in raw mode (each key arrives at once, Ctrl-C
 * becomes a key rather than a signal); a pipe is read as it comes (scripts, tests). The stream
 * ending ends the keys.
 */
export function terminalKeys(input: NodeJS.ReadStream = process.stdin): KeySource {
  const queue: Key[] = [];
  let ended = false;
  let wake: (() => void) | undefined;
  const raw = input.isTTY && typeof input.setRawMode === 'function';
  const onData = (chunk: Buffer | string) => {
    queue.push(...decodeKeys(typeof chunk === 'string' ? chunk : chunk.toString('utf8')));
    wake?.();
  };
  const onEnd = () => {
    ended = true;
    wake?.();
  };
  if (raw) input.setRawMode(true);
  input.on('data', onData);
  input.on('end', onEnd);
  input.on('close', onEnd);
  input.resume();
  const close = () => {
    ended = true;
    input.off('data', onData);
    input.off('end', onEnd);
    input.off('close', onEnd);
    if (raw) input.setRawMode(false);
    input.pause();
    wake?.();
  };
  return {
    close,
    async *[Symbol.asyncIterator]() {
      for (;;) {
        const key = queue.shift();
        if (key !== undefined) {
          yield key;
          continue;
        }
        if (ended) return;
        await new Promise<void>((resolve) => (wake = resolve));
        wake = undefined;
      }
    },
  };
}
