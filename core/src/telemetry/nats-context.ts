import {
  context,
  propagation,
  SpanKind,
  trace,
  type Context,
  type Span,
  type TextMapGetter,
  type TextMapSetter,
  type Tracer,
} from '@opentelemetry/api';
import { headers as natsHeaders, type MsgHdrs } from '@nats-io/transport-node';
import { runEnded } from './spans.js';

const setter: TextMapSetter<MsgHdrs> = {
  set: (carrier, key, value) => carrier.set(key, value),
};

const getter: TextMapGetter<MsgHdrs | undefined> = {
  keys: (carrier) => (carrier ? carrier.keys() : []),
  get: (carrier, key) => {
    if (!carrier?.has(key)) return undefined;
    return carrier.get(key);
  },
};

/**
 * Writes the active (or given) context's W3C `traceparent`/`tracestate` into NATS message headers,
 * creating the headers when none are passed. Pass the result as `{ headers }` to publish.
 */
export function injectTraceContext(headers: MsgHdrs = natsHeaders(), ctx: Context = context.active()): MsgHdrs {
  propagation.inject(ctx, headers, setter);
  return headers;
}

/** The context carried by a received message's headers (the active context when it has none). */
export function extractTraceContext(headers: MsgHdrs | undefined, base: Context = context.active()): Context {
  return propagation.extract(base, headers, getter);
}

/** The trace id a message carries, if any (for logs and tests). */
export function traceIdOf(headers: MsgHdrs | undefined): string | undefined {
  const span = trace.getSpanContext(extractTraceContext(headers));
  return span && trace.isSpanContextValid(span) ? span.traceId : undefined;
}

/**
 * Runs `fn` inside a PRODUCER span named `publish <subject>` and hands it headers carrying that
 * span's context: `await withPublishSpan(tracer, subj, (h) => js.publish(subj, data, { headers: h }))`.
 */
export async function withPublishSpan<T>(tracer: Tracer, subject: string, fn: (headers: MsgHdrs, span: Span) => Promise<T> | T, headers?: MsgHdrs): Promise<T> {
  return tracer.startActiveSpan(
    `publish ${subject}`,
    { kind: SpanKind.PRODUCER, attributes: { 'messaging.system': 'nats', 'messaging.destination.name': subject, 'messaging.operation.type': 'publish' } },
    async (span) => runEnded(span, () => fn(injectTraceContext(headers), span)),
  );
}

/**
 * Runs `fn` inside a CONSUMER span `process <subject>` whose parent is the context in the message
 * headers, so the receiver's work (and whatever it publishes next) joins the sender's trace.
 */
export async function withConsumeSpan<T>(
  tracer: Tracer,
  msg: { subject: string; headers?: MsgHdrs | undefined },
  fn: (span: Span) => Promise<T> | T,
): Promise<T> {
  const parent = extractTraceContext(msg.headers);
  return tracer.startActiveSpan(
    `process ${msg.subject}`,
    { kind: SpanKind.CONSUMER, attributes: { 'messaging.system': 'nats', 'messaging.destination.name': msg.subject, 'messaging.operation.type': 'process' } },
    parent,
    async (span) => runEnded(span, () => fn(span)),
  );
}

