export * from './errors.js';
export * from './tracing.js';
export * from './nats-context.js';
export * from './log-mixin.js';
export * from './metrics.js';
export * from './metrics-server.js';
