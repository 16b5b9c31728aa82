import { SpanStatusCode, type Attributes, type Context, type Link, type Span, type SpanKind, type Tracer } from '@opentelemetry/api';

export interface SpanOptions {
  kind?: SpanKind;
  attributes?: Attributes;
  links?: Link[];
  /** Parent context; the active context when omitted. */
  parent?: Context;
}

/**
 * Runs `fn` inside an active span that ends when `fn` settles, recording a thrown error as the
 * span's status: `await withSpan(tracer, 'submit run demo', {}, () => ...)`.
 */
export async function withSpan<T>(tracer: Tracer, name: string, options: SpanOptions, fn: (span: Span) => Promise<T> | T): Promise<T> {
  const { parent, ...spanOptions } = options;
  const run = (span: Span): Promise<T> => runEnded(span, () => fn(span));
  return parent ? tracer.startActiveSpan(name, spanOptions, parent, run) : tracer.startActiveSpan(name, spanOptions, run);
}

/** Runs `fn` for an already started span, records a thrown error as its status, and ends it. */
export async function runEnded<T>(span: Span, fn: () => Promise<T> | T): Promise<T> {
  try {
    return await fn();
  } catch (err) {
    span.recordException(err instanceof Error ? err : String(err));
    span.setStatus({ code: SpanStatusCode.ERROR, message: err instanceof Error ? err.message : String(err) });
    throw err;
  } finally {
    span.end();
  }
}
