#!/usr/bin/env node
// The signflow command. Sources are TypeScript run through tsx (no build step).
import { register } from 'tsx/esm/api';

register();
const { main } = await import('../src/main.ts');
process.exitCode = await main(process.argv);
