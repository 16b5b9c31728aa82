// Pure helpers of the run workflow: resolving bindings against what the run has produced so far,
// evaluating conditions. Sandbox-safe: no Node built-ins, type-only imports.
import type { Binding, Condition } from '../spec/schema.js';
import type { StepValue, StepValues } from './contracts.js';

export type TaskResult =
  | { status: 'succeeded'; outputs: StepValues }
  | { status: 'skipped'; reason: string }
  | { status: 'failed'; error: string }
  | { status: 'not-run'; reason: string }
  | { status: 'cancelled' };

export interface Scope {
  params: Record<string, unknown>;
  /** Results of this DAG, then of enclosing group DAGs (a nested pipeline starts a new chain). */
  results: Map<string, TaskResult>[];
  /** Current loop items, innermost first. */
  items: { loop: string; value: unknown }[];
  /** Step path prefix of tasks in this DAG. */
  path: string;
  runStatus?: 'succeeded' | 'failed' | 'cancelled';
}

/** Why a binding has no value: the producing task did not succeed (its consumer is skipped). */
export interface Unavailable {
  unavailable: string;
}

export function isUnavailable<T extends object>(v: T | Unavailable | undefined): v is Unavailable {
  return v !== undefined && 'unavailable' in v;
}

function lookup(scope: Scope, task: string): TaskResult | undefined {
  for (const level of scope.results) {
    const r = level.get(task);
    if (r) return r;
  }
  return undefined;
}

/** The value a binding yields in `scope`; undefined for an omitted optional parameter. */
export function resolveBinding(b: Binding, scope: Scope): StepValue | Unavailable | undefined {
  switch (b.from) {
    case 'value':
      return { kind: 'parameter', value: b.value };
    case 'param':
      return b.name in scope.params ? { kind: 'parameter', value: scope.params[b.name] } : undefined;
    case 'task': {
      const r = lookup(scope, b.task);
      if (!r) return { unavailable: `task ${b.task} has not run` };
      if (r.status !== 'succeeded') return { unavailable: `task ${b.task} ${r.status}` };
      return r.outputs[b.output];
    }
    case 'item': {
      const item = b.loop === undefined ? scope.items[0] : scope.items.find((i) => i.loop === b.loop);
      if (!item) return { unavailable: 'no loop item' };
      if (b.field === undefined) return { kind: 'parameter', value: item.value };
      const obj = item.value;
      return { kind: 'parameter', value: obj && typeof obj === 'object' ? (obj as Record<string, unknown>)[b.field] : undefined };
    }
    case 'runStatus':
      return { kind: 'parameter', value: scope.runStatus ?? 'running' };
    case 'artifact':
      return { kind: 'artifact', ref: b.ref };
  }
}

/** Resolves every input; the first unavailable one wins. */
export function resolveInputs(bindings: Record<string, Binding>, scope: Scope): StepValues | Unavailable {
  const out: StepValues = {};
  for (const [name, b] of Object.entries(bindings)) {
    const v = resolveBinding(b, scope);
    if (isUnavailable(v)) return { unavailable: `input ${name}: ${v.unavailable}` };
    if (v !== undefined) out[name] = v;
  }
  return out;
}

/** A plain JSON value of a step value (artifact references as objects). */
export function plain(v: StepValue | undefined): unknown {
  if (v === undefined) return undefined;
  return v.kind === 'parameter' ? v.value : v.ref;
}

function stable(v: unknown): string {
  return JSON.stringify(v, (_k, x: unknown) =>
    x && typeof x === 'object' && !Array.isArray(x)
      ? Object.fromEntries(Object.entries(x as Record<string, unknown>).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)))
      : x,
  );
}

/** Evaluates a condition; an unavailable operand makes it unavailable (the group is skipped). */
export function evaluateCondition(c: Condition, scope: Scope): boolean | Unavailable {
  const l = resolveBinding(c.left, scope);
  const r = resolveBinding(c.right, scope);
  if (isUnavailable(l)) return l;
  if (isUnavailable(r)) return r;
  const a = plain(l);
  const b = plain(r);
  switch (c.op) {
    case '==':
      return stable(a) === stable(b);
    case '!=':
      return stable(a) !== stable(b);
    default: {
      const comparable = (typeof a === 'number' && typeof b === 'number') || (typeof a === 'string' && typeof b === 'string');
      if (!comparable) return false;
      return c.op === '<' ? a < b : c.op === '<=' ? a <= b : c.op === '>' ? a > b : a >= b;
    }
  }
}
