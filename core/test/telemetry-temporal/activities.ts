import { trace } from '@opentelemetry/api';

export function createActivities() {
  return {
    /** Returns the trace id the activity runs under, as seen through the OpenTelemetry API. */
    async traced(name: string): Promise<string> {
      return `${name}:${trace.getActiveSpan()?.spanContext().traceId ?? 'none'}`;
    },
  };
}
export type TracedActivities = ReturnType<typeof createActivities>;
