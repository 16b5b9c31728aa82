export * from './errors.js';
export * from './sources.js';
export * from './static.js';
export * from './api.js';
export * from './cameras.js';
