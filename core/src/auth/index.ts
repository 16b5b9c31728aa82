export * from './errors.js';
export * from './roles.js';
export * from './token-store.js';
export * from './authorize.js';
export * from './nats-permissions.js';
export * from './nats-config.js';
export * from './fastify.js';
export * from './nats-setup.js';
