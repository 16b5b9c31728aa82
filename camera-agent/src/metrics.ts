import { onCollect, processMetricsRegistry, serveProcessMetrics, signflowMetrics, type Logger, type MetricsListen, type MetricsServer, type Registry } from '@signflow/core';
import type { CameraStatus } from './status/schema.js';

/** What the metrics read from a running agent (CameraAgent). */
export interface AgentStatusSource {
  status(): { cameras: CameraStatus[] };
}

/**
 * Copies the agent's per-camera counts into the standard series at every scrape (nothing on the
 * frame path): `signflow_frames_total` (frames sent), `signflow_frames_dropped_total{reason="buffer"}`
 * (buffer overflow and oversize frames), `signflow_buffer_messages` and `signflow_fps`, each by rig
 * and camera. Returns a function that stops it.
 */
export function recordAgentMetrics(agent: AgentStatusSource, registry: Registry = processMetricsRegistry()): () => void {
  const frames = signflowMetrics.frames(registry);
  const drops = signflowMetrics.drops(registry);
  const buffer = signflowMetrics.buffer(registry);
  const fps = signflowMetrics.fps(registry);
  const seen = new Map<string, { sent: number; dropped: number }>();
  return onCollect(registry, () => {
    for (const camera of agent.status().cameras) {
      const labels = { rig: camera.rig, camera: camera.camera };
      const key = `${camera.rig}.${camera.camera}`;
      const before = seen.get(key) ?? { sent: 0, dropped: 0 };
      // Counters only go up: a count that went back (pipeline restarted) counts from its new value.
      frames.inc(labels, camera.framesSent >= before.sent ? camera.framesSent - before.sent : camera.framesSent);
      drops.inc({ ...labels, reason: 'buffer' }, camera.dropped >= before.dropped ? camera.dropped - before.dropped : camera.dropped);
      seen.set(key, { sent: camera.framesSent, dropped: camera.dropped });
      buffer.set(labels, camera.buffered);
      fps.set(labels, camera.fps);
    }
  });
}

/** Serves /metrics for a running agent when a port is configured (`--metrics-port`, SIGNFLOW_METRICS_PORT). */
export async function serveAgentMetrics(agent: AgentStatusSource, listen: MetricsListen | undefined, logger?: Logger): Promise<AsyncDisposable & { server: MetricsServer | undefined }> {
  const stop = recordAgentMetrics(agent);
  const server = await serveProcessMetrics(listen, logger);
  return {
    server,
    async [Symbol.asyncDispose]() {
      stop();
      await server?.close();
    },
  };
}
