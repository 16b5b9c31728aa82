export * from './temp-dir.js';
export * from './servers.js';
export * from './fixtures.js';
export * from './temporal-runtime.js';
