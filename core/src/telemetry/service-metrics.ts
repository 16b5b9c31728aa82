import type { Logger } from 'pino';
import { TelemetryConfigError } from './errors.js';
import { processMetricsRegistry } from './metrics.js';
import { startMetricsServer, type MetricsServer } from './metrics-server.js';

/** Environment fallbacks of a service's `--metrics-port` / `--metrics-host` flags. */
export const METRICS_ENV = { port: 'SIGNFLOW_METRICS_PORT', host: 'SIGNFLOW_METRICS_HOST' } as const;

/** The commander option text every long-running service uses for its `/metrics` port. */
export const METRICS_PORT_FLAG = ['--metrics-port <port>', `serve Prometheus /metrics on this port (0 = any free port; env ${METRICS_ENV.port}; default: not served)`] as const;

export interface MetricsListen {
  host: string;
  port: number;
}

/**
 * Where a service serves `/metrics`: the flag, else SIGNFLOW_METRICS_PORT (host from
 * SIGNFLOW_METRICS_HOST, default 0.0.0.0 so a Prometheus beside the pod can scrape it); undefined
 * when neither is set.
 */
export function metricsListenFrom(flagPort: string | number | undefined, env: NodeJS.ProcessEnv = process.env): MetricsListen | undefined {
  const raw = flagPort ?? env[METRICS_ENV.port];
  if (raw === undefined || raw === '') return undefined;
  const port = Number(raw);
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    throw new TelemetryConfigError(`metrics port ${JSON.stringify(String(raw))}: expected an integer 0-65535 (--metrics-port or ${METRICS_ENV.port})`);
  }
  return { host: env[METRICS_ENV.host] || '0.0.0.0', port };
}

/**
 * Serves this process's registry (what the service's modules record into) on `/metrics` when a
 * port is configured; returns undefined otherwise. Logs the URL.
 */
export async function serveProcessMetrics(listen: MetricsListen | undefined, logger?: Logger): Promise<MetricsServer | undefined> {
  if (!listen) return undefined;
  const server = await startMetricsServer({ registry: processMetricsRegistry(), host: listen.host, port: listen.port });
  logger?.info({ url: server.url }, 'serving Prometheus metrics');
  return server;
}
