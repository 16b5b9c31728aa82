import { trace, isSpanContextValid } from '@opentelemetry/api';

/**
 * A pino `mixin`: every log line written inside an active span carries `trace_id` and `span_id`
 * (the OpenTelemetry log data model names), so logs and traces join up.
 */
export function traceLogMixin(): Record<string, string> {
  const span = trace.getActiveSpan();
  if (!span) return {};
  const ctx = span.spanContext();
  if (!isSpanContextValid(ctx)) return {};
  return { trace_id: ctx.traceId, span_id: ctx.spanId };
}
