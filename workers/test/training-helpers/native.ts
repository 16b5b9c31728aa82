// What the native-kernel training tests share: the backend they need, and an element-wise comparison.
import assert from 'node:assert/strict';
import { selectBackend } from '../../src/training/backend.js';
import { installNativeKernels, nativeBackend } from '../../src/training/native-kernels.js';

/** Selects the backend and installs the native kernels; a skip reason when the native backend is not in use. */
export async function nativeKernelsOrSkip(): Promise<false | string> {
  const choice = await selectBackend();
  installNativeKernels();
  return nativeBackend() ? false : `native backend not in use (${choice.backend}): scripts/setup.d/50-tfjs-native.sh builds it`;
}

/** Same length and every element within `tolerance`; the message names the largest difference. */
export function assertClose(a: number[], b: number[], tolerance: number, what: string): void {
  assert.equal(a.length, b.length, what);
  const worst = a.reduce((m, v, i) => Math.max(m, Math.abs(v - (b[i] ?? Number.NaN))), 0);
  assert.ok(worst <= tolerance, `${what}: largest difference ${worst}`);
}
