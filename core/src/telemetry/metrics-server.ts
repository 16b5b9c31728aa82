import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Registry } from 'prom-client';
import { MetricsServerError } from './errors.js';
import { runCollectHooks } from './metrics.js';

export interface MetricsServerOptions {
  registry: Registry;
  host?: string;
  /** 0 = a free port the OS picks. */
  port?: number;
  /** Defaults to `/metrics`. */
  path?: string;
}

export interface MetricsServer {
  readonly url: string;
  readonly port: number;
  close(): Promise<void>;
  [Symbol.asyncDispose](): Promise<void>;
}

/** The registry's text exposition, for mounting on an existing server (fastify route, ...). */
export async function renderMetrics(registry: Registry): Promise<{ contentType: string; body: string }> {
  await runCollectHooks(registry);
  return { contentType: registry.contentType, body: await registry.metrics() };
}

/** A tiny HTTP server that answers `GET /metrics` (and `GET /healthz`) for a long-running service. */
export async function startMetricsServer(options: MetricsServerOptions): Promise<MetricsServer> {
  const host = options.host ?? '127.0.0.1';
  const path = options.path ?? '/metrics';
  const server: Server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://localhost');
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      res.writeHead(405, { allow: 'GET, HEAD' }).end();
      return;
    }
    if (url.pathname === '/healthz') {
      res.writeHead(200, { 'content-type': 'text/plain' }).end('ok\n');
      return;
    }
    if (url.pathname !== path) {
      res.writeHead(404, { 'content-type': 'text/plain' }).end(`not found: metrics are at ${path}\n`);
      return;
    }
    renderMetrics(options.registry).then(
      ({ contentType, body }) => res.writeHead(200, { 'content-type': contentType }).end(body),
      (err: unknown) => res.writeHead(500, { 'content-type': 'text/plain' }).end(`metrics collection failed: ${String(err)}\n`),
    );
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', (err) => reject(new MetricsServerError(`${host}:${options.port ?? 0}`, 'cannot listen; pick a free port or 0', { cause: err })));
    server.listen(options.port ?? 0, host, () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  const close = (): Promise<void> =>
    new Promise((resolve) => {
      server.closeAllConnections();
      server.close(() => resolve());
    });
  return { url: `http://${host}:${port}${path}`, port, close, [Symbol.asyncDispose]: close };
}
