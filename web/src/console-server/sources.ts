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

export interface ModelVersionView {
  version: number;
  createdAt: string;
  stage: string;
  lineage: { datasetVersion: string; runId?: string | undefined; params: Record<string, unknown>; metrics: Record<string, unknown>; backend: string };
}

export interface ModelsSource {
  names(): Promise<string[]>;
  list(name: string): Promise<ModelVersionView[]>;
  promote(name: string, version: number, stage: 'staging' | 'production' | 'archived'): Promise<unknown>;
  rollback(name: string): Promise<unknown>;
}

export interface DatasetsSource {
  list(): Promise<{ name: string; id: string; createdAt: string; samples: number; latest: boolean }[]>;
  /** The manifest of a version; the console shows its class and signer counts when present. */
  manifest?(id: string): Promise<unknown>;
}

export interface CamerasSource {
  /** Latest status document of every camera (the camera agents' KV heartbeats). */
  list(): Promise<{ key: string; status: unknown; updatedAt: string }[]>;
}
