import { fileURLToPath } from 'node:url';

/** Folder holding the `signflow-step` entry point; the local executor puts it first on PATH. */
export const stepBinDir = fileURLToPath(new URL('../../bin', import.meta.url));
