// Shapes of the API's JSON (pipelines run API and the console endpoints).
export interface ArtifactRef {
  uri: string;
  sha256: string;
  kind: string;
  sizeBytes: number;
  metadata: Record<string, unknown>;
}
export type StepValue = { kind: 'parameter'; value: unknown } | { kind: 'artifact'; ref: ArtifactRef };
export type StepValues = Record<string, StepValue>;

export interface Run {
  runId: string;
  pipeline: string;
  pipelineVersion: string | null;
  experiment: string | null;
  status: string;
  createdAt: string;
  startedAt: string | null;
  finishedAt: string | null;
  parameters: Record<string, unknown>;
  outputs: StepValues;
  error: string | null;
  retryOf: string | null;
}
export interface Step {
  stepPath: string;
  component: string | null;
  status: string;
  attempt: number;
  startedAt: string | null;
  finishedAt: string | null;
  inputs: StepValues;
  outputs: StepValues;
  error: string | null;
  workMs: number | null;
}
export type RunDetail = Run & { steps: Step[] };

export interface Binding {
  from: string;
  task?: string;
  [key: string]: unknown;
}
export interface Task {
  kind: 'component' | 'pipeline' | 'parallelFor' | 'condition';
  component?: string;
  dependsOn?: string[];
  displayName?: string;
  dag?: { tasks: Record<string, Task> };
  [key: string]: unknown;
}
export interface PipelineSpec {
  name: string;
  description?: string;
  parameters: Record<string, { type: string; default?: unknown; description?: string }>;
  dag: { tasks: Record<string, Task> };
  exitHandler?: { tasks: Record<string, Task> };
}

export interface EpochMetrics {
  epoch: number;
  loss: number;
  accuracy: number;
  valLoss?: number;
  valAccuracy?: number;
}

export interface ConsoleInfo {
  features: Record<'runs' | 'artifacts' | 'models' | 'datasets' | 'cameras' | 'liveFeed', boolean>;
  liveFeedUrl: string | null;
}
