export * from './errors.js';
export * from './validation.js';
export * from './logging.js';
export * from './config/schema.js';
export * from './config/load.js';
export * from './nats/subjects.js';
export * from './artifacts/ref.js';
export * from './cli-context.js';
