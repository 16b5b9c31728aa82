import { pino, type Logger, type LoggerOptions } from 'pino';
import { traceLogMixin } from './telemetry/log-mixin.js';

export type { Logger } from 'pino';

/**
 * Structured JSON logs. Level from SIGNFLOW_LOG_LEVEL (default info; tests default to warn so
 * their output stays readable). Secrets are redacted wherever they appear under these keys.
 */
export function createLogger(name: string, options: LoggerOptions = {}): Logger {
  const defaultLevel = process.env['NODE_TEST_CONTEXT'] ? 'warn' : 'info';
  return pino({
    name,
    level: process.env['SIGNFLOW_LOG_LEVEL'] ?? defaultLevel,
    redact: {
      paths: ['*.password', '*.token', '*.creds', '*.seed', 'password', 'token', 'creds', 'seed', 'authorization', '*.authorization', 'req.headers.authorization', 'req.headers.cookie'],
      censor: '[redacted]',
    },
    // inside an OpenTelemetry span every line carries trace_id and span_id
    mixin: traceLogMixin,
    ...options,
  });
}
