import type { ArtifactRef } from '@signflow/core';

/**
 * What the console API reads, as structural interfaces: the pipelines RunService, the workers
 * ModelRegistry and the datasets DatasetStore satisfy them, and the CLI passes them in (web
 * imports no other signflow package).
 */
export type ConsoleStepValue = { kind: 'parameter'; value: unknown } | { kind: 'artifact'; ref: ArtifactRef };

export interface ConsoleRun {
  runId: string;
  status: string;
  outputs: Record<string, ConsoleStepValue>;
  steps: { stepPath: string; status: string; outputs: Record<string, ConsoleStepValue> }[];
}

export interface RunsSource {
  getRun(runId: string): Promise<ConsoleRun>;
}

export interface ArtifactReader {
  localPath(ref: ArtifactRef): Promise<string>;
}

export type { ModelsSource } from '@signflow/core';

export interface CamerasSource {
  /** Latest status document of every camera (the camera agents' KV heartbeats). */
  list(): Promise<{ key: string; status: unknown; updatedAt: string }[]>;
}

export interface RunMetricsSource {
  /** Calls `onEpoch` with each per-epoch metrics message of the run as it is published; returns unsubscribe. */
  subscribe(runId: string, onEpoch: (message: unknown) => void): () => void;
}
