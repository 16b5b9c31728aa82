import { createRequire } from 'node:module';
import type { Context } from '@opentelemetry/api';
import type { ReadableSpan, Span, SpanProcessor } from '@opentelemetry/sdk-trace-base';
import {
  OpenTelemetryActivityInboundInterceptor,
  OpenTelemetryActivityOutboundInterceptor,
  OpenTelemetryWorkflowClientInterceptor,
  makeWorkflowExporter,
} from '@temporalio/interceptors-opentelemetry';
import type { WorkflowClientInterceptor } from '@temporalio/client';
import type { WorkerInterceptors } from '@temporalio/worker';
import { currentTracing, type Tracing } from './tracing.js';

const require = createRequire(import.meta.url);

/** The workflow-side interceptor module the worker bundles into the workflow isolate. */
export const temporalWorkflowInterceptorsModule = require.resolve('@temporalio/interceptors-opentelemetry/lib/workflow-interceptors');

/**
 * For `bundleWorkflowCode({ workflowInterceptorModules })`: a prebuilt workflow bundle must
 * include the tracing interceptors itself (a Worker ignores `interceptors.workflowModules` when
 * given a bundle).
 */
export const temporalWorkflowInterceptorModules: readonly string[] = [temporalWorkflowInterceptorsModule];

/** Whether a bundle's code was built with the tracing workflow interceptors. */
export function bundleHasTracingInterceptors(code: string): boolean {
  return code.includes('interceptors-opentelemetry');
}

type WorkflowSpanProcessor = Parameters<typeof makeWorkflowExporter>[0];
type WorkflowSpanResource = Parameters<typeof makeWorkflowExporter>[1];
type WorkflowExporterSink = ReturnType<typeof makeWorkflowExporter>;

/** A span as the workflow isolate serialises it (OpenTelemetry SDK 1.x field names). */
interface IsolateSpan {
  parentSpanId?: string;
  instrumentationLibrary?: { name: string; version?: string; schemaUrl?: string };
}

/**
 * The interceptor package hands the worker's processor spans in the SDK 1.x shape
 * (`parentSpanId`, `instrumentationLibrary`); the 2.x exporters read `parentSpanContext` and
 * `instrumentationScope` (the OTLP exporter throws without the latter). This fills both in.
 */
export function isolateSpanAdapter(processor: SpanProcessor): SpanProcessor {
  const adapt = (span: ReadableSpan): ReadableSpan => {
    const legacy = span as ReadableSpan & IsolateSpan;
    const ctx = span.spanContext();
    const scope = span.instrumentationScope ?? legacy.instrumentationLibrary ?? { name: '@temporalio/interceptor-workflow' };
    const parentSpanContext =
      span.parentSpanContext ?? (legacy.parentSpanId ? { traceId: ctx.traceId, spanId: legacy.parentSpanId, traceFlags: ctx.traceFlags, isRemote: false } : undefined);
    // Isolate spans are plain objects (own properties only), so a spread copies all of them.
    return { ...span, spanContext: () => ctx, instrumentationScope: scope, ...(parentSpanContext ? { parentSpanContext } : {}) };
  };
  return {
    onStart: (span: Span, parent: Context) => processor.onStart(span, parent),
    onEnd: (span: ReadableSpan) => processor.onEnd(adapt(span)),
    forceFlush: () => processor.forceFlush(),
    shutdown: () => processor.shutdown(),
  };
}

export interface TemporalWorkerTracing {
  /** Merge into `Worker.create({ interceptors })`. */
  interceptors: WorkerInterceptors;
  /** Merge into `Worker.create({ sinks })`: workflow spans leave the isolate through this sink. */
  sinks: { exporter: WorkflowExporterSink };
}

/** With tracing off the workflow interceptors still end spans: they are dropped here (not "unregistered sink" errors). */
const droppingSink: WorkflowExporterSink = { export: { fn: () => undefined, callDuringReplay: false } };

/**
 * Worker options that trace workflows and activities with Temporal's OpenTelemetry interceptors:
 * a run submitted under a span (see temporalClientInterceptors) continues as workflow → activity
 * spans in the same trace, and an activity's own NATS publishes (withPublishSpan) join it too.
 * With tracing off the interceptors still carry the trace context; workflow spans are dropped.
 * `tracing` defaults to the process's (`currentTracing()`).
 */
export function temporalWorkerTracing(tracing: Tracing = currentTracing()): TemporalWorkerTracing {
  const interceptors: WorkerInterceptors = {
    workflowModules: [...temporalWorkflowInterceptorModules],
    activity: [
      (ctx) => ({
        inbound: new OpenTelemetryActivityInboundInterceptor(ctx, { tracer: tracing.tracer }),
        outbound: new OpenTelemetryActivityOutboundInterceptor(ctx),
      }),
    ],
  };
  if (!tracing.spanProcessor) return { interceptors, sinks: { exporter: droppingSink } };
  // The interceptor package is typed against OpenTelemetry SDK 1.x; the adapter gives the 2.x
  // processor spans it understands, and the resource contract (attributes) is unchanged.
  const processor = isolateSpanAdapter(tracing.spanProcessor) as unknown as WorkflowSpanProcessor;
  const resource = tracing.resource as unknown as WorkflowSpanResource;
  const exporter = makeWorkflowExporter(processor, resource);
  return { interceptors, sinks: { exporter: { export: { ...exporter.export, callDuringReplay: false } } } };
}

/**
 * Client interceptors: `new Client({ interceptors: { workflow: temporalClientInterceptors() } })`.
 * Starting a workflow makes a `StartWorkflow:<type>` span (child of the active span) whose context
 * travels in the workflow's headers.
 */
export function temporalClientInterceptors(tracing: Tracing = currentTracing()): WorkflowClientInterceptor[] {
  return [new OpenTelemetryWorkflowClientInterceptor({ tracer: tracing.tracer })];
}
