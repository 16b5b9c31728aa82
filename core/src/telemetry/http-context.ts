import { context, propagation } from '@opentelemetry/api';

/** `{ traceparent, tracestate? }` of the active span, for an outgoing HTTP request's headers (empty outside a span). */
export function traceHeaders(): Record<string, string> {
  const carrier: Record<string, string> = {};
  propagation.inject(context.active(), carrier);
  return carrier;
}

/**
 * Runs `fn` in the trace context an incoming HTTP request carries (W3C `traceparent`), so the
 * spans the handler starts (submitting a run, ...) join the caller's trace.
 */
export function withHttpTraceContext<T>(headers: Record<string, string | string[] | undefined>, fn: () => T): T {
  return context.with(propagation.extract(context.active(), headers), fn);
}
