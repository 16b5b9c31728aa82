import { readFileSync } from 'node:fs';

/** This package's version, reported in every heartbeat. */
export const AGENT_VERSION = (JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { version: string }).version;
