import type { JsMsg } from '@nats-io/jetstream';
import { processMetricsRegistry, signflowMetrics, type Registry } from '@signflow/core';

/** The counters of an extraction worker that tell a frame's outcome (see ExtractionStats). */
interface OutcomeCounters {
  packets: number;
  garbage: number;
  skippedLate: number;
  failed: number;
}

/**
 * Runs one frame's handling and records it on the process registry (served on /metrics):
 * `signflow_extraction_frames_total{rig,outcome}` (packet, garbage, late, failed),
 * `signflow_extraction_frame_seconds{rig}` for frames that reached the detector, and the
 * consumer group's backlog as `signflow_queue_lag_messages{stream,consumer}`.
 */
export async function observeFrame(rig: string, msg: JsMsg, counters: OutcomeCounters, handle: () => Promise<void>, registry: Registry = processMetricsRegistry()): Promise<void> {
  signflowMetrics.queueLag(registry).set({ stream: msg.info.stream, consumer: msg.info.consumer }, msg.info.pending);
  const before = { ...counters };
  const started = performance.now();
  try {
    await handle();
  } finally {
    const outcome =
      counters.packets > before.packets ? 'packet' : counters.failed > before.failed ? 'failed' : counters.skippedLate > before.skippedLate ? 'late' : counters.garbage > before.garbage ? 'garbage' : 'failed';
    signflowMetrics.extractionFrames(registry).inc({ rig, outcome });
    if (outcome === 'packet' || outcome === 'failed') signflowMetrics.extractionDuration(registry).observe({ rig }, (performance.now() - started) / 1000);
  }
}
