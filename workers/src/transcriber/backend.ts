import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-wasm';

let ready: Promise<string> | undefined;

/**
 * Selects tfjs's WebAssembly backend (several times faster than the pure-JS CPU backend and
 * needs no native build); falls back to the CPU backend when WebAssembly cannot start.
 */
export function ensureTfBackend(): Promise<string> {
  ready ??= (async () => {
    if (tf.getBackend() === 'wasm') return 'wasm';
    try {
      if (await tf.setBackend('wasm')) return 'wasm';
    } catch {
      // fall through to cpu
    }
    await tf.setBackend('cpu');
    return 'cpu';
  })();
  return ready;
}
