import { context, SpanKind, trace, type Link, type SpanContext } from '@opentelemetry/api';
import type { JsMsg } from '@nats-io/jetstream';
import type { MsgHdrs } from '@nats-io/nats-core';
import { extractTraceContext, injectTraceContext, processMetricsRegistry, signflowMetrics, streams, tracerFor, withSpan, type Caption, type Registry } from '@signflow/core';

/** A caption links at most this many frame traces (a long sign at 30 fps has hundreds of frames). */
export const MAX_CAPTION_LINKS = 64;
/** Frame contexts kept per rig while a sign is open. */
const MAX_KEPT = 2048;

interface FrameTrace {
  captureNs: bigint;
  context: SpanContext;
}

/**
 * The transcriber's telemetry, recorded from a few calls in its consume loop:
 * - traces: each landmark packet's W3C context (camera agent → extraction) is kept by capture
 *   time; a caption is published in a PRODUCER span whose parent is the context of the last frame
 *   it covers and which links the other frames' contexts, and the caption's headers carry it on;
 * - metrics (the process registry, served on /metrics): caption latency (capture of the last frame
 *   → caption), captions by kind, garbage packets, and the consumer's pending messages.
 */
export class TranscriberTelemetry {
  private readonly frames: FrameTrace[] = [];
  private readonly tracer = tracerFor('signflow-transcriber');

  constructor(private readonly registry: Registry = processMetricsRegistry()) {}

  /** A landmark packet was delivered: its consumer's backlog, and its trace context. */
  packet(msg: JsMsg, captureTimeNs: string): void {
    signflowMetrics.queueLag(this.registry).set({ stream: msg.info.stream, consumer: msg.info.consumer }, msg.info.pending);
    const frame = trace.getSpanContext(extractTraceContext(msg.headers));
    if (!frame || !trace.isSpanContextValid(frame)) return;
    this.frames.push({ captureNs: BigInt(captureTimeNs), context: frame });
    if (this.frames.length > MAX_KEPT) this.frames.splice(0, this.frames.length - MAX_KEPT);
  }

  /** A message on the landmarks stream that was no landmark packet of this rig. */
  garbage(rig: string): void {
    signflowMetrics.garbage(this.registry).inc({ stream: streams.landmarks, rig });
  }

  /**
   * Publishes a caption inside its span (`publish(headers)` sends it with those headers), then
   * records its latency. Frame contexts older than a final caption are forgotten.
   */
  async caption<T>(caption: Caption, publish: (headers: MsgHdrs) => Promise<T>): Promise<T> {
    const start = BigInt(caption.startCaptureTimeNs);
    const end = BigInt(caption.endCaptureTimeNs);
    const covered = this.frames.filter((f) => f.captureNs >= start && f.captureNs <= end);
    const last = covered.at(-1);
    const links: Link[] = covered.slice(-MAX_CAPTION_LINKS - 1, -1).map((f) => ({ context: f.context }));
    const parent = last ? trace.setSpanContext(context.active(), last.context) : undefined;
    const attributes = {
      'messaging.system': 'nats',
      'messaging.operation.type': 'publish',
      'signflow.rig': caption.rig,
      'signflow.caption.kind': caption.kind,
      'signflow.caption.segment': caption.segment,
      'signflow.caption.frames': caption.frames,
      'signflow.caption.label': caption.label,
    };
    const out = await withSpan(this.tracer, `caption ${caption.kind}`, { kind: SpanKind.PRODUCER, attributes, links, ...(parent ? { parent } : {}) }, () =>
      publish(injectTraceContext()),
    );
    if (caption.kind === 'final') {
      const keepFrom = this.frames.findIndex((f) => f.captureNs > end);
      this.frames.splice(0, keepFrom < 0 ? this.frames.length : keepFrom);
    }
    const latencyS = Math.max(0, caption.emittedAtMs - Number(end / 1_000_000n)) / 1000;
    signflowMetrics.captionLatency(this.registry).observe({ rig: caption.rig, kind: caption.kind }, latencyS);
    signflowMetrics.captions(this.registry).inc({ rig: caption.rig, kind: caption.kind });
    return out;
  }
}
