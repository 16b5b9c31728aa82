import { readFileSync } from 'node:fs';

/** The @signflow/landmarks package version (reported in every landmark packet). */
export const LANDMARKS_VERSION: string = (JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { version: string }).version;
