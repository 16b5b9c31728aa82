import { z } from 'zod';
import type { ArtifactRef } from '@signflow/core';
import { PipelineDefinitionError } from '../errors.js';
import type { ArtifactType, Binding, Condition, ParameterType } from '../spec/schema.js';

/** Declares an artifact input or output (dataset, model, metrics, plot, ...). */
export interface ArtifactDecl<T extends ArtifactType = ArtifactType, Opt extends boolean = boolean> {
  readonly artifact: T;
  readonly optional: Opt;
  readonly description?: string | undefined;
}

export function artifact<T extends ArtifactType>(type: T, options?: { description?: string }): ArtifactDecl<T, false>;
export function artifact<T extends ArtifactType>(type: T, options: { optional: true; description?: string }): ArtifactDecl<T, true>;
export function artifact<T extends ArtifactType>(type: T, options: { optional?: boolean; description?: string } = {}): ArtifactDecl<T> {
  return { artifact: type, optional: options.optional ?? false, description: options.description };
}

export type IoDecl = z.ZodType | ArtifactDecl;

export function isArtifactDecl(decl: IoDecl): decl is ArtifactDecl {
  return 'artifact' in decl && typeof (decl as { artifact?: unknown }).artifact === 'string';
}

/**
 * A value known only when the run gets there: a pipeline parameter, a task output, a loop item.
 * `owner` is the pipeline definition it belongs to, so wiring across pipelines is caught early.
 */
export class Ref<T = unknown> {
  declare readonly __type?: T;
  constructor(
    readonly binding: Binding,
    readonly owner: symbol,
  ) {}

  /** A key of an object-valued loop item. */
  field<K extends string>(name: K): Ref<T extends Record<K, infer V> ? V : unknown> {
    if (this.binding.from !== 'item') throw new PipelineDefinitionError(`field("${name}") works on loop items only; pass the whole value and pick the field in the component`);
    return new Ref({ ...this.binding, field: name }, this.owner);
  }

  eq(other: T | Ref<T>): ConditionExpr {
    return cmp(this, '==', other);
  }
  ne(other: T | Ref<T>): ConditionExpr {
    return cmp(this, '!=', other);
  }
  lt(other: T | Ref<T>): ConditionExpr {
    return cmp(this, '<', other);
  }
  le(other: T | Ref<T>): ConditionExpr {
    return cmp(this, '<=', other);
  }
  gt(other: T | Ref<T>): ConditionExpr {
    return cmp(this, '>', other);
  }
  ge(other: T | Ref<T>): ConditionExpr {
    return cmp(this, '>=', other);
  }
}

/** A reference to an artifact output of kind K. */
export class ArtifactHandle<K extends ArtifactType = ArtifactType> extends Ref<ArtifactRef> {
  declare readonly __kind?: K;
}

/** Brings an existing artifact (a dataset version, a registered model) into a pipeline. */
export function importArtifact<K extends ArtifactType>(ref: ArtifactRef & { kind: K }): ArtifactHandle<K> {
  return new ArtifactHandle<K>({ from: 'artifact', ref }, IMPORTED);
}
const IMPORTED = Symbol('imported');
export function isImported(ref: Ref): boolean {
  return ref.owner === IMPORTED;
}

export interface ConditionExpr {
  readonly left: unknown;
  readonly op: Condition['op'];
  readonly right: unknown;
}

export function cmp(left: unknown, op: Condition['op'], right: unknown): ConditionExpr {
  return { left, op, right };
}

/** `500ms`, `30s`, `5m`, `2h`, `1d` or a number of milliseconds. */
export type Duration = number | `${number}${'ms' | 's' | 'm' | 'h' | 'd'}`;

export function durationMs(d: Duration, what: string): number {
  if (typeof d === 'number') return d;
  const m = /^(\d+(?:\.\d+)?)(ms|s|m|h|d)$/.exec(d);
  if (!m?.[1] || !m[2]) throw new PipelineDefinitionError(`${what}: "${String(d)}" is not a duration such as 500ms, 30s, 5m, 2h`);
  const unit = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 }[m[2] as 'ms' | 's' | 'm' | 'h' | 'd'];
  return Math.round(Number(m[1]) * unit);
}

export interface ParameterInfo {
  type: ParameterType;
  schema: Record<string, unknown>;
  optional: boolean;
  default?: unknown;
  description?: string | undefined;
}

/** What the spec says of a zod-typed parameter: its JSON type, JSON Schema, default, optionality. */
export function parameterInfo(schema: z.ZodType, what: string): ParameterInfo {
  const json = z.toJSONSchema(schema, { io: 'input', unrepresentable: 'any' }) as Record<string, unknown>;
  const { $schema: _ignored, ...doc } = json;
  const t = doc['type'];
  const types: ParameterType[] = ['string', 'number', 'integer', 'boolean', 'object', 'array'];
  if (typeof t !== 'string' || !types.includes(t as ParameterType)) {
    throw new PipelineDefinitionError(`${what}: use a zod type with a single JSON type (string, number, integer, boolean, object or array); got ${JSON.stringify(t ?? 'none')}`);
  }
  const optional = schema.safeParse(undefined).success;
  const info: ParameterInfo = { type: t as ParameterType, schema: doc, optional, description: schema.description };
  if ('default' in doc) info.default = doc['default'];
  return info;
}
