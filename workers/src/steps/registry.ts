import type { ArtifactKind, ArtifactRef, ArtifactStore } from '@signflow/core';

/** What a registered step implementation gets: its inputs, the artifact store and a scratch dir. */
export interface StepContext {
  parameters: Record<string, unknown>;
  artifacts: Record<string, ArtifactRef>;
  store: ArtifactStore;
  /** Scratch space for this attempt (deleted with the run's work dir). */
  workDir: string;
  run: { runId: string; stepPath: string; attempt: number };
  /** A line in the step's log (stdout, streamed to the artifact store while the step runs). */
  log(message: string): void;
}

/** Parameters by output name; artifacts as references, or files/dirs the runtime stores (with their kind). */
export interface StepOutputs {
  parameters?: Record<string, unknown>;
  artifacts?: Record<string, ArtifactRef | { path: string; kind: ArtifactKind; metadata?: Record<string, unknown> }>;
}

export type StepImplementation = (ctx: StepContext) => Promise<StepOutputs>;

const steps = new Map<string, StepImplementation>();

/** Registers `name` for `signflow-step <name>` (a component's `run: { step: name }`). */
export function registerStep(name: string, implementation: StepImplementation): void {
  if (steps.has(name)) throw new Error(`step ${name} is registered twice`);
  steps.set(name, implementation);
}

export function findStep(name: string): StepImplementation | undefined {
  return steps.get(name);
}

export function registeredSteps(): string[] {
  return [...steps.keys()].sort();
}
