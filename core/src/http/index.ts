export * from './api-plugins.js';
export * from './registry-routes.js';
