/**
 * The contract between the run workflow's step activity and whatever runs a step: a local
 * process (embedded default) or a Kubernetes Job. Executors register behind this interface so
 * `pipelines` never imports `workers`.
 *
 * A step is a command (argv) plus environment. The step process reads its inputs from the file
 * or env the activity prepared (`SIGNFLOW_STEP_INPUTS`, a JSON document with parameter values and
 * artifact references) and writes its outputs document to `SIGNFLOW_STEP_OUTPUTS`; artifacts go
 * into the artifact store, never through the executor.
 *
 * Who sets what: the activity puts `SIGNFLOW_RUN_ID`, `SIGNFLOW_STEP_ID`, `SIGNFLOW_STEP_ATTEMPT`,
 * `SIGNFLOW_COMPONENT`, `SIGNFLOW_ARTIFACT_STORE` (the store's root URI) and, inside a trace,
 * `TRACEPARENT`/`TRACESTATE` (W3C context of its span: the step joins the run's trace) into `launch.env`; the
 * executor adds `SIGNFLOW_STEP_INPUTS`, `SIGNFLOW_STEP_OUTPUTS` and `SIGNFLOW_STEP_WORKDIR`
 * (paths inside the step's filesystem), since only it knows where those live.
 */

export interface GpuByCount {
  kind: 'count';
  /** `nvidia.com/gpu` limit. */
  count: number;
  resourceName?: string;
}

export interface GpuByDeviceClass {
  kind: 'dra';
  /** DRA DeviceClass, e.g. `gpu.nvidia.com`. */
  deviceClassName: string;
  count: number;
  /** CEL selectors on device attributes. */
  selectors?: string[];
}

export interface StepResources {
  cpu?: string;
  memory?: string;
  gpu?: GpuByCount | GpuByDeviceClass;
}

export interface StepLaunch {
  runId: string;
  /** Step id within the run (unique, DNS-label-safe). */
  stepId: string;
  attempt: number;
  /** Container image for cluster executors; the local executor ignores it. */
  image?: string;
  command: string[];
  env: Record<string, string>;
  resources: StepResources;
  /** Kubernetes placement hints (ignored locally). */
  placement?: {
    nodeSelector?: Record<string, string>;
    tolerations?: { key: string; operator?: 'Exists' | 'Equal'; value?: string; effect?: string }[];
    serviceAccountName?: string;
  };
  timeoutMs?: number;
  /**
   * The inputs document (JSON: `{ parameters, artifacts }`). The executor makes it readable by
   * the step at the path it puts in `SIGNFLOW_STEP_INPUTS` (local: a file in the step's work
   * dir; Kubernetes: e.g. a mounted ConfigMap or an env var written to a file by the entry point).
   */
  inputsJson?: string;
}

export interface StepLogSink {
  /** Appends a chunk of the step's combined output; called while the step runs. */
  write(chunk: string): Promise<void>;
}

export interface StepRunContext {
  signal: AbortSignal;
  /** Reports liveness (and small progress details) to Temporal. */
  heartbeat(details?: Record<string, unknown>): void;
  logs: StepLogSink;
}

export type StepOutcome =
  | {
      status: 'succeeded';
      exitCode: 0;
      /**
       * The outputs document the step wrote at `$SIGNFLOW_STEP_OUTPUTS` (JSON:
       * `{ parameters, artifacts }`), read back by the executor (local: the file; Kubernetes:
       * e.g. the container's termination message). Absent when the step wrote none.
       */
      outputsJson?: string;
    }
  | {
      status: 'failed';
      exitCode: number | null;
      /** Whether Temporal should retry (evicted pod, OOM-kill on a preemptible node, ...). */
      retryable: boolean;
      reason: string;
    };

export interface Executor {
  readonly kind: 'local' | 'kubernetes';
  /** Runs the step to completion; rejects only on executor faults, not step failures. Honors ctx.signal (kills the process / deletes the Job). */
  run(launch: StepLaunch, ctx: StepRunContext): Promise<StepOutcome>;
}
