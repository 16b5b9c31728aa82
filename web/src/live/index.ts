export * from './errors.js';
export * from './hub.js';
export * from './recent.js';
export * from './server.js';
export * from './follow.js';
export * from './stack-part.js';
