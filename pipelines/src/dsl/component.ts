import type { z } from 'zod';
import type { ArtifactRef } from '@signflow/core';
import { PipelineDefinitionError } from '../errors.js';
import { componentSpecSchema, type ArtifactType, type ComponentSpec, type IoSpec } from '../spec/schema.js';
import { componentDigest } from '../spec/validate.js';
import { formatPath } from '@signflow/core';
import { durationMs, isArtifactDecl, parameterInfo, type ArtifactDecl, type ArtifactHandle, type Duration, type IoDecl, type Ref } from './refs.js';

/** The command `signflow-step <name>` runs a step implementation registered in workers. */
export const STEP_ENTRYPOINT = 'signflow-step';

export type GpuRequest =
  | number
  | { count: number; resourceName?: string }
  | { deviceClass: string; count?: number; selectors?: string[] };

export interface ComponentDefinition<I extends Record<string, IoDecl>, O extends Record<string, IoDecl>> {
  name: string;
  description?: string;
  inputs?: I;
  outputs?: O;
  /** What runs: a step implementation registered with `signflow-step`, or any command. */
  run: { step: string } | { command: string[] };
  /** Container image for cluster executors. */
  image?: string;
  env?: Record<string, string>;
  resources?: { cpu?: string | number; memory?: string; gpu?: GpuRequest };
  retry?: { maxAttempts?: number; initialInterval?: Duration; backoffCoefficient?: number; maxInterval?: Duration };
  timeout?: Duration;
  /** Reuse outputs of an earlier run with the same component digest and inputs (default true). */
  caching?: boolean;
}

type IsOptional<D> = D extends ArtifactDecl<ArtifactType, infer O> ? O : D extends z.ZodType ? (undefined extends z.input<D> ? true : false) : false;
type InputArg<D> = D extends ArtifactDecl<infer K> ? ('file' extends K ? ArtifactHandle : ArtifactHandle<K>) : D extends z.ZodType ? z.input<D> | Ref<z.output<D>> : never;
export type InputsArg<I extends Record<string, IoDecl>> = {
  [K in keyof I as IsOptional<I[K]> extends true ? never : K]: InputArg<I[K]>;
} & { [K in keyof I as IsOptional<I[K]> extends true ? K : never]?: InputArg<I[K]> };
export type OutputRefs<O extends Record<string, IoDecl>> = {
  [K in keyof O]: O[K] extends ArtifactDecl<infer T> ? ArtifactHandle<T> : O[K] extends z.ZodType ? Ref<z.output<O[K]>> : never;
};
/** Run-time values a step receives: parameters as values, artifacts as references. */
export type StepInputs<I extends Record<string, IoDecl>> = {
  [K in keyof I]: I[K] extends ArtifactDecl ? ArtifactRef : I[K] extends z.ZodType ? z.output<I[K]> : never;
};

export interface Component<I extends Record<string, IoDecl> = Record<string, IoDecl>, O extends Record<string, IoDecl> = Record<string, IoDecl>> {
  readonly kind: 'component';
  readonly spec: ComponentSpec & { digest: string };
  readonly inputs: I;
  readonly outputs: O;
}

function ioSpec(decl: IoDecl, what: string): IoSpec {
  if (isArtifactDecl(decl)) return { kind: 'artifact', type: decl.artifact, optional: decl.optional, ...(decl.description ? { description: decl.description } : {}) };
  const info = parameterInfo(decl, what);
  return {
    kind: 'parameter',
    type: info.type,
    schema: info.schema,
    optional: info.optional,
    ...(info.default !== undefined ? { default: info.default } : {}),
    ...(info.description ? { description: info.description } : {}),
  };
}

export function gpuSpec(gpu: GpuRequest): NonNullable<ComponentSpec['resources']['gpu']> {
  if (typeof gpu === 'number') return { kind: 'count', count: gpu };
  if ('deviceClass' in gpu) {
    return { kind: 'dra', deviceClassName: gpu.deviceClass, count: gpu.count ?? 1, ...(gpu.selectors ? { selectors: gpu.selectors } : {}) };
  }
  return { kind: 'count', count: gpu.count, ...(gpu.resourceName ? { resourceName: gpu.resourceName } : {}) };
}

/** Defines a pipeline step: typed inputs and outputs, what runs, resources, retries, caching. */
export function component<I extends Record<string, IoDecl> = Record<string, never>, O extends Record<string, IoDecl> = Record<string, never>>(
  def: ComponentDefinition<I, O>,
): Component<I, O> {
  const where = `component ${def.name}`;
  const io = (decls: Record<string, IoDecl> | undefined, dir: string): Record<string, IoSpec> =>
    Object.fromEntries(Object.entries(decls ?? {}).map(([k, d]) => [k, ioSpec(d, `${where} ${dir} ${k}`)]));
  const retry = def.retry ?? {};
  const raw = {
    name: def.name,
    ...(def.description ? { description: def.description } : {}),
    inputs: io(def.inputs, 'input'),
    outputs: io(def.outputs, 'output'),
    implementation: {
      command: 'step' in def.run ? [STEP_ENTRYPOINT, def.run.step] : def.run.command,
      ...(def.image ? { image: def.image } : {}),
      env: def.env ?? {},
    },
    resources: {
      ...(def.resources?.cpu !== undefined ? { cpu: String(def.resources.cpu) } : {}),
      ...(def.resources?.memory ? { memory: def.resources.memory } : {}),
      ...(def.resources?.gpu !== undefined ? { gpu: gpuSpec(def.resources.gpu) } : {}),
    },
    retry: {
      maxAttempts: retry.maxAttempts ?? 1,
      initialIntervalMs: durationMs(retry.initialInterval ?? 1000, `${where} retry.initialInterval`),
      backoffCoefficient: retry.backoffCoefficient ?? 2,
      maxIntervalMs: durationMs(retry.maxInterval ?? 60_000, `${where} retry.maxInterval`),
    },
    ...(def.timeout !== undefined ? { timeoutMs: durationMs(def.timeout, `${where} timeout`) } : {}),
    caching: def.caching ?? true,
  };
  const parsed = componentSpecSchema.safeParse(raw);
  if (!parsed.success) {
    const issues = parsed.error.issues.map((i) => `${formatPath(i.path)}: ${i.message}`).join('; ');
    throw new PipelineDefinitionError(`${where}: ${issues}`, { cause: parsed.error });
  }
  const spec = { ...parsed.data, digest: componentDigest(parsed.data) };
  return { kind: 'component', spec, inputs: (def.inputs ?? {}) as I, outputs: (def.outputs ?? {}) as O };
}
