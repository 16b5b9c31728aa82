import { SignflowError } from '../errors.js';

/** OpenTelemetry or Prometheus could not be set up from the given options / OTEL_* variables. */
export class TelemetryConfigError extends SignflowError {
  readonly code = 'TELEMETRY_CONFIG';
}

/** The `/metrics` HTTP server could not listen. */
export class MetricsServerError extends SignflowError {
  readonly code = 'METRICS_SERVER';
  constructor(
    readonly address: string,
    detail: string,
    options?: { cause?: unknown },
  ) {
    super(`metrics server on ${address}: ${detail}`, options);
  }
}
