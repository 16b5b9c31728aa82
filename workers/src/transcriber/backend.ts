import { selectBackend } from '../training/backend.js';

/**
 * The TF.js backend for recognition: the same per-process choice training makes (native
 * tfjs-node when setup built it, else WebAssembly, else the pure-JS CPU backend).
 */
export async function ensureTfBackend(): Promise<string> {
  return (await selectBackend()).backend;
}
