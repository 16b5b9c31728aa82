import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

export { Registry } from 'prom-client';

export interface MetricsRegistryOptions {
  /** Added to every series as `service="<name>"`. */
  service: string;
  /** Process metrics (CPU, memory, event loop lag); default true. */
  processMetrics?: boolean;
}

/** Latency buckets (seconds) from 10 ms to 10 s: frame-to-caption latency lives in here. */
export const LATENCY_BUCKETS_SECONDS = [0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 0.75, 1, 1.5, 2, 3, 5, 10];
/** Step duration buckets (seconds) from 100 ms to 2 h. */
export const STEP_BUCKETS_SECONDS = [0.1, 0.5, 1, 5, 15, 30, 60, 300, 900, 1800, 3600, 7200];

/** One Prometheus registry per process, with the service label on every series. */
export function createMetricsRegistry(options: MetricsRegistryOptions): Registry {
  const registry = new Registry();
  registry.setDefaultLabels({ service: options.service });
  if (options.processMetrics ?? true) collectDefaultMetrics({ register: registry, prefix: 'signflow_' });
  return registry;
}

let processRegistry: Registry | undefined;

/**
 * The registry of this process (service label from OTEL_SERVICE_NAME, else `signflow`): what a
 * process's `/metrics` serves and what its modules record into by default.
 */
export function processMetricsRegistry(): Registry {
  processRegistry ??= createMetricsRegistry({ service: process.env['OTEL_SERVICE_NAME'] || 'signflow' });
  return processRegistry;
}

function existing<T>(registry: Registry, name: string, is: (m: unknown) => m is T): T | undefined {
  const found = registry.getSingleMetric(name);
  return found && is(found) ? found : undefined;
}

const isCounter = (m: unknown): m is Counter<string> => m instanceof Counter;
const isGauge = (m: unknown): m is Gauge<string> => m instanceof Gauge;
const isHistogram = (m: unknown): m is Histogram<string> => m instanceof Histogram;

function counter<L extends string>(registry: Registry, name: string, help: string, labelNames: readonly L[]): Counter<L> {
  return (existing(registry, name, isCounter) as Counter<L> | undefined) ?? new Counter<L>({ name, help, labelNames, registers: [registry] });
}

function gauge<L extends string>(registry: Registry, name: string, help: string, labelNames: readonly L[]): Gauge<L> {
  return (existing(registry, name, isGauge) as Gauge<L> | undefined) ?? new Gauge<L>({ name, help, labelNames, registers: [registry] });
}

function histogram<L extends string>(registry: Registry, name: string, help: string, labelNames: readonly L[], buckets: number[]): Histogram<L> {
  return (existing(registry, name, isHistogram) as Histogram<L> | undefined) ?? new Histogram<L>({ name, help, labelNames, buckets, registers: [registry] });
}

/**
 * The standard signflow metrics. Each factory returns the same metric when called twice on one
 * registry, so independent modules of a service can ask for it.
 */
export const signflowMetrics = {
  /** Frames captured and published, per rig and camera. */
  frames: (r: Registry) => counter(r, 'signflow_frames_total', 'Frames published by the camera agent', ['rig', 'camera'] as const),
  /** Frames dropped, with why (buffer_full, late, decode, publish_error, ...). */
  drops: (r: Registry) => counter(r, 'signflow_frames_dropped_total', 'Frames dropped before publishing', ['rig', 'camera', 'reason'] as const),
  /** Frames (or messages) waiting in a local buffer. */
  buffer: (r: Registry) => gauge(r, 'signflow_buffer_messages', 'Messages waiting in a local publish buffer', ['rig', 'camera'] as const),
  /** Measured frames per second. */
  fps: (r: Registry) => gauge(r, 'signflow_fps', 'Measured frames per second', ['rig', 'camera'] as const),
  /** Wall time of one pipeline step (activity), by outcome. */
  stepDuration: (r: Registry) =>
    histogram(r, 'signflow_step_duration_seconds', 'Pipeline step duration', ['pipeline', 'step', 'status'] as const, STEP_BUCKETS_SECONDS),
  /** Messages a JetStream consumer still has to process. */
  queueLag: (r: Registry) => gauge(r, 'signflow_queue_lag_messages', 'Pending messages of a JetStream consumer', ['stream', 'consumer'] as const),
  /** Time from frame capture to the caption that covers it. */
  captionLatency: (r: Registry) =>
    histogram(r, 'signflow_caption_latency_seconds', 'Capture-to-caption latency', ['rig', 'kind'] as const, LATENCY_BUCKETS_SECONDS),
  /** Pipeline steps running now on this worker. */
  runningSteps: (r: Registry) => gauge(r, 'signflow_steps_running', 'Pipeline steps running on this worker', ['pipeline'] as const),
  /** Frames the extraction service handled, by outcome (packet, late, garbage, failed). */
  extractionFrames: (r: Registry) =>
    counter(r, 'signflow_extraction_frames_total', 'Frames handled by the extraction service, by outcome', ['rig', 'outcome'] as const),
  /** Time the extraction service spent on one frame (decode + detect + publish). */
  extractionDuration: (r: Registry) =>
    histogram(r, 'signflow_extraction_frame_seconds', 'Extraction time of one frame', ['rig'] as const, LATENCY_BUCKETS_SECONDS),
  /** Captions published, partial or final. */
  captions: (r: Registry) => counter(r, 'signflow_captions_total', 'Captions published by the transcriber', ['rig', 'kind'] as const),
  /** Messages that were not what their subject promised (unparseable landmark packets, ...): skipped. */
  garbage: (r: Registry) => counter(r, 'signflow_garbage_messages_total', 'Malformed messages skipped', ['stream', 'rig'] as const),
  /** HTTP requests served, by route and status class (API servers). */
  httpRequests: (r: Registry) => counter(r, 'signflow_http_requests_total', 'HTTP requests served', ['route', 'method', 'status'] as const),
} as const;

type CollectHook = () => void | Promise<void>;
const collectHooks = new WeakMap<Registry, Set<CollectHook>>();

/**
 * Runs `hook` before every scrape of `registry` (renderMetrics, /metrics): a service whose
 * counters live in its own status (the camera agent's per-camera counts) copies them in here
 * instead of recording on its hot path. Returns a function that removes the hook.
 */
export function onCollect(registry: Registry, hook: CollectHook): () => void {
  let hooks = collectHooks.get(registry);
  if (!hooks) collectHooks.set(registry, (hooks = new Set()));
  hooks.add(hook);
  return () => void hooks.delete(hook);
}

/** Runs the registry's collect hooks (renderMetrics does before rendering). */
export async function runCollectHooks(registry: Registry): Promise<void> {
  for (const hook of collectHooks.get(registry) ?? []) await hook();
}
