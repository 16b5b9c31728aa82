import { context, propagation, trace, type Context } from '@opentelemetry/api';

/**
 * Trace context through a child process's environment, the OpenTelemetry convention for
 * processes (`TRACEPARENT`, `TRACESTATE`): the pipeline step activity passes its span to the step
 * process (local executor: the process env; Kubernetes: the Job's container env).
 */
export const TRACE_ENV = { traceparent: 'TRACEPARENT', tracestate: 'TRACESTATE' } as const;

/** `{ TRACEPARENT, TRACESTATE? }` of the active (or given) context; empty outside a valid span. */
export function traceEnv(ctx: Context = context.active()): Record<string, string> {
  const carrier: Record<string, string> = {};
  propagation.inject(ctx, carrier);
  const out: Record<string, string> = {};
  if (carrier['traceparent']) out[TRACE_ENV.traceparent] = carrier['traceparent'];
  if (carrier['tracestate']) out[TRACE_ENV.tracestate] = carrier['tracestate'];
  return out;
}

/**
 * The context a process was started under (`TRACEPARENT` in its env): a step process that traces
 * its own work starts its spans in it, so they join the run's trace.
 */
export function traceContextFromEnv(env: NodeJS.ProcessEnv = process.env, base: Context = context.active()): Context {
  const carrier: Record<string, string> = {};
  const parent = env[TRACE_ENV.traceparent];
  const state = env[TRACE_ENV.tracestate];
  if (parent) carrier['traceparent'] = parent;
  if (state) carrier['tracestate'] = state;
  return propagation.extract(base, carrier);
}

/** The trace id in `TRACEPARENT`, if valid (for step logs). */
export function traceIdFromEnv(env: NodeJS.ProcessEnv = process.env): string | undefined {
  const span = trace.getSpanContext(traceContextFromEnv(env));
  return span && trace.isSpanContextValid(span) ? span.traceId : undefined;
}
