import { context, propagation, trace, type Tracer } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import { W3CTraceContextPropagator } from '@opentelemetry/core';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-proto';
import { resourceFromAttributes, type Resource } from '@opentelemetry/resources';
import {
  BatchSpanProcessor,
  ConsoleSpanExporter,
  SimpleSpanProcessor,
  type SpanExporter,
  type SpanProcessor,
} from '@opentelemetry/sdk-trace-base';
import { NodeTracerProvider } from '@opentelemetry/sdk-trace-node';
import { TelemetryConfigError } from './errors.js';

export interface TracingOptions {
  /** service.name of the spans; OTEL_SERVICE_NAME wins when set. */
  serviceName: string;
  /** Defaults to process.env; the standard OTEL_* variables are read from it. */
  env?: NodeJS.ProcessEnv;
  /**
   * An exporter chosen in code (tests: InMemorySpanExporter). Spans go through a
   * SimpleSpanProcessor so they are visible as soon as they end.
   */
  exporter?: SpanExporter;
  /** With `exporter`: `batch` sends spans through a BatchSpanProcessor as OTLP does (benchmarks); default `simple`. */
  processor?: 'simple' | 'batch';
}

export interface Tracing {
  /** False when no exporter is configured: trace context still propagates, nothing is recorded. */
  readonly enabled: boolean;
  /** Which exporter was chosen: 'otlp', 'console', 'custom' or 'none'. */
  readonly exporterKind: 'otlp' | 'console' | 'custom' | 'none';
  readonly tracer: Tracer;
  readonly resource: Resource;
  /** The processor spans go through (the Temporal workflow span sink reuses it); undefined when off. */
  readonly spanProcessor: SpanProcessor | undefined;
  /** Exports what is buffered. */
  flush(): Promise<void>;
  /** Flushes and unregisters the global provider. */
  shutdown(): Promise<void>;
  [Symbol.asyncDispose](): Promise<void>;
}

type ExporterKind = Tracing['exporterKind'];

/**
 * Chooses the exporter the way the OpenTelemetry SDKs do: OTEL_SDK_DISABLED=true turns it off;
 * OTEL_TRACES_EXPORTER names it (`otlp`, `console`, `none`); without it, an
 * OTEL_EXPORTER_OTLP_ENDPOINT or OTEL_EXPORTER_OTLP_TRACES_ENDPOINT means `otlp`; otherwise off.
 */
export function tracesExporterFromEnv(env: NodeJS.ProcessEnv): ExporterKind {
  if ((env['OTEL_SDK_DISABLED'] ?? '').toLowerCase() === 'true') return 'none';
  const named = (env['OTEL_TRACES_EXPORTER'] ?? '').trim().toLowerCase();
  if (named) {
    const first = named.split(',')[0]?.trim() ?? '';
    if (first === 'otlp' || first === 'console' || first === 'none') return first;
    throw new TelemetryConfigError(
      `OTEL_TRACES_EXPORTER=${JSON.stringify(named)} is not supported: use "otlp" (with OTEL_EXPORTER_OTLP_ENDPOINT), "console" or "none"`,
    );
  }
  if (env['OTEL_EXPORTER_OTLP_ENDPOINT'] || env['OTEL_EXPORTER_OTLP_TRACES_ENDPOINT']) return 'otlp';
  return 'none';
}

function exporterFor(kind: ExporterKind, env: NodeJS.ProcessEnv): SpanExporter | undefined {
  if (kind === 'console') return new ConsoleSpanExporter();
  if (kind !== 'otlp') return undefined;
  const protocol = env['OTEL_EXPORTER_OTLP_TRACES_PROTOCOL'] ?? env['OTEL_EXPORTER_OTLP_PROTOCOL'] ?? 'http/protobuf';
  if (protocol !== 'http/protobuf') {
    throw new TelemetryConfigError(`OTEL_EXPORTER_OTLP_PROTOCOL=${protocol} is not supported: signflow exports OTLP as "http/protobuf"`);
  }
  // Endpoint and headers come from `env` (the exporter would read only process.env); it still
  // reads OTEL_EXPORTER_OTLP_TIMEOUT / _COMPRESSION itself.
  const tracesEndpoint = env['OTEL_EXPORTER_OTLP_TRACES_ENDPOINT'];
  const base = env['OTEL_EXPORTER_OTLP_ENDPOINT'];
  const url = tracesEndpoint || (base ? `${base.replace(/\/+$/, '')}/v1/traces` : undefined);
  const headers = parseOtlpHeaders(env['OTEL_EXPORTER_OTLP_TRACES_HEADERS'] ?? env['OTEL_EXPORTER_OTLP_HEADERS']);
  return new OTLPTraceExporter({ ...(url ? { url } : {}), ...(headers ? { headers } : {}) });
}

/** `k1=v1,k2=v2` (values URL-encoded), the OTEL_EXPORTER_OTLP_HEADERS format. */
function parseOtlpHeaders(raw: string | undefined): Record<string, string> | undefined {
  if (!raw) return undefined;
  const out: Record<string, string> = {};
  for (const pair of raw.split(',')) {
    const at = pair.indexOf('=');
    if (at <= 0) throw new TelemetryConfigError(`OTEL_EXPORTER_OTLP_HEADERS: ${JSON.stringify(pair.trim())} is not key=value`);
    out[decodeURIComponent(pair.slice(0, at).trim())] = decodeURIComponent(pair.slice(at + 1).trim());
  }
  return out;
}

let contextManagerInstalled = false;

/** Installs the W3C trace-context propagator and an AsyncLocalStorage context manager, once. */
export function installPropagation(): void {
  propagation.setGlobalPropagator(new W3CTraceContextPropagator());
  if (!contextManagerInstalled) {
    contextManagerInstalled = context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());
  }
}

/**
 * Sets up tracing for one process. Off by default: with no OTEL_* exporter settings no provider is
 * registered and spans are non-recording, but incoming trace context is still carried on (so a
 * service in the middle of a traced path keeps the trace whole).
 */
export function setupTracing(options: TracingOptions): Tracing {
  const env = options.env ?? process.env;
  installPropagation();
  const kind: ExporterKind = options.exporter ? 'custom' : tracesExporterFromEnv(env);
  const serviceName = env['OTEL_SERVICE_NAME'] || options.serviceName;
  const resource = resourceFromAttributes({ 'service.name': serviceName });
  const exporter = options.exporter ?? exporterFor(kind, env);
  if (!exporter) {
    current = offTracing(serviceName);
    return current;
  }
  const spanProcessor = options.exporter && options.processor !== 'batch' ? new SimpleSpanProcessor(exporter) : new BatchSpanProcessor(exporter);
  const provider = new NodeTracerProvider({ resource, spanProcessors: [spanProcessor] });
  trace.disable();
  trace.setGlobalTracerProvider(provider);
  const shutdown = async (): Promise<void> => {
    await provider.shutdown();
    trace.disable();
    if (current === tracing) current = undefined;
  };
  const tracing: Tracing = {
    enabled: true,
    exporterKind: kind,
    tracer: provider.getTracer(serviceName),
    resource,
    spanProcessor,
    flush: () => provider.forceFlush(),
    shutdown,
    [Symbol.asyncDispose]: shutdown,
  };
  current = tracing;
  return tracing;
}

function offTracing(serviceName: string): Tracing {
  const noop = async (): Promise<void> => undefined;
  const resource = resourceFromAttributes({ 'service.name': serviceName });
  return { enabled: false, exporterKind: 'none', tracer: trace.getTracer(serviceName), resource, spanProcessor: undefined, flush: noop, shutdown: noop, [Symbol.asyncDispose]: noop };
}

let current: Tracing | undefined;

/**
 * The tracing the process set up last with `setupTracing` (the CLI does at start), or tracing off:
 * what services that are handed no `Tracing` (the pipeline worker, the run client) trace with.
 */
export function currentTracing(): Tracing {
  current ??= offTracing(process.env['OTEL_SERVICE_NAME'] || 'signflow');
  return current;
}

/**
 * The tracer a module records with: the global provider's (a no-op until `setupTracing` enabled
 * an exporter in this process), so library code needs no `@opentelemetry/api` import of its own.
 */
export function tracerFor(name: string): Tracer {
  return trace.getTracer(name);
}
