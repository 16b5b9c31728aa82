import { createRequire } from 'node:module';
import {
  OpenTelemetryActivityInboundInterceptor,
  OpenTelemetryActivityOutboundInterceptor,
  OpenTelemetryWorkflowClientInterceptor,
  makeWorkflowExporter,
} from '@temporalio/interceptors-opentelemetry';
import type { WorkflowClientInterceptor } from '@temporalio/client';
import type { WorkerInterceptors } from '@temporalio/worker';
import type { Tracing } from './tracing.js';

const require = createRequire(import.meta.url);

/** The workflow-side interceptor module the worker bundles into the workflow isolate. */
export const temporalWorkflowInterceptorsModule = require.resolve('@temporalio/interceptors-opentelemetry/lib/workflow-interceptors');

type WorkflowSpanProcessor = Parameters<typeof makeWorkflowExporter>[0];
type WorkflowSpanResource = Parameters<typeof makeWorkflowExporter>[1];

export interface TemporalWorkerTracing {
  /** Merge into `Worker.create({ interceptors })`. */
  interceptors: WorkerInterceptors;
  /** Merge into `Worker.create({ sinks })`: workflow spans leave the isolate through this sink. */
  sinks: { exporter?: ReturnType<typeof makeWorkflowExporter> };
}

/**
 * Worker options that trace workflows and activities with Temporal's OpenTelemetry interceptors:
 * a run submitted under a span (see temporalClientInterceptors) continues as workflow → activity
 * spans in the same trace, and an activity's own NATS publishes (withPublishSpan) join it too.
 * With tracing off the interceptors still carry the trace context; workflow spans are dropped.
 */
export function temporalWorkerTracing(tracing: Tracing): TemporalWorkerTracing {
  const interceptors: WorkerInterceptors = {
    workflowModules: [temporalWorkflowInterceptorsModule],
    activity: [
      (ctx) => ({
        inbound: new OpenTelemetryActivityInboundInterceptor(ctx, { tracer: tracing.tracer }),
        outbound: new OpenTelemetryActivityOutboundInterceptor(ctx),
      }),
    ],
  };
  if (!tracing.spanProcessor) return { interceptors, sinks: {} };
  // The interceptor package is typed against OpenTelemetry SDK 1.x; the processor and resource
  // contracts it uses (onStart/onEnd/forceFlush, attributes) are unchanged in 2.x.
  const processor = tracing.spanProcessor as unknown as WorkflowSpanProcessor;
  const resource = tracing.resource as unknown as WorkflowSpanResource;
  return { interceptors, sinks: { exporter: makeWorkflowExporter(processor, resource) } };
}

/** Client interceptors: `new Client({ interceptors: { workflow: temporalClientInterceptors(tracing) } })`. */
export function temporalClientInterceptors(tracing: Tracing): WorkflowClientInterceptor[] {
  return [new OpenTelemetryWorkflowClientInterceptor({ tracer: tracing.tracer })];
}
