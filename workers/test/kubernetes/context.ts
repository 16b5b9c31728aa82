import type { StepRunContext } from '@signflow/pipelines';

/** A StepRunContext that records heartbeats and keeps the log in memory, as a test observes them. */
export function recordingContext(signal: AbortSignal = new AbortController().signal): StepRunContext & { heartbeats: Record<string, unknown>[]; log: () => string } {
  const chunks: string[] = [];
  const heartbeats: Record<string, unknown>[] = [];
  return {
    signal,
    heartbeat: (details) => heartbeats.push(details ?? {}),
    logs: {
      write: (chunk) => {
        chunks.push(chunk);
        return Promise.resolve();
      },
    },
    heartbeats,
    log: () => chunks.join(''),
  };
}
