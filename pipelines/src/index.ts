export * from './executor/types.js';
