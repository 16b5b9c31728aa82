import { existsSync, createReadStream, statSync } from 'node:fs';
import { extname, join, normalize, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { FastifyInstance } from 'fastify';
import { ConsoleNotBuiltError } from './errors.js';

/** `web/console/dist`, where `npm run build:console -w web` writes the app. */
export const defaultConsoleDist = fileURLToPath(new URL('../../console/dist', import.meta.url));

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.json': 'application/json',
  '.map': 'application/json',
  '.woff2': 'font/woff2',
};

export interface ConsoleStaticOptions {
  distDir?: string;
  /** URL prefix; default `/console`. `/` redirects there. */
  prefix?: string;
}

/**
 * Serves the built console under `/console/` (index.html for unknown paths, so deep links work)
 * and redirects `/` to it. Throws ConsoleNotBuiltError when the build is missing.
 */
export function registerConsoleStatic(app: FastifyInstance, options: ConsoleStaticOptions = {}): void {
  const dist = options.distDir ?? defaultConsoleDist;
  const prefix = (options.prefix ?? '/console').replace(/\/+$/, '');
  if (!existsSync(join(dist, 'index.html'))) throw new ConsoleNotBuiltError(dist);
  app.get('/', async (_req, reply) => reply.redirect(`${prefix}/`));
  app.get(prefix, async (_req, reply) => reply.redirect(`${prefix}/`));
  app.get<{ Params: { '*': string } }>(`${prefix}/*`, async (req, reply) => {
    const rel = normalize(decodeURIComponent(req.params['*'] || 'index.html')).replace(/^(\.\.(\/|\\|$))+/, '');
    let file = join(dist, rel);
    if (!file.startsWith(dist + sep) || !existsSync(file) || !statSync(file).isFile()) file = join(dist, 'index.html');
    const immutable = file.includes(`${sep}assets${sep}`);
    return reply
      .header('content-type', TYPES[extname(file)] ?? 'application/octet-stream')
      .header('cache-control', immutable ? 'public, max-age=31536000, immutable' : 'no-cache')
      .send(createReadStream(file));
  });
}
