import { formatPath } from '@signflow/core';
import { PipelineSpecError, RunArgumentsError } from '../errors.js';
import { canonicalJson, sha256Hex } from './canonical.js';
import { topologicalOrder } from './graph.js';
import { bindingSource, effectiveResources, parseGpuValue, parseQuantity } from '../run/resources.js';
import {
  MAX_PARAM_BYTES,
  MAX_SPEC_BYTES,
  pipelineSpecSchema,
  type Binding,
  type ComponentSpec,
  type DagSpec,
  type IoSpec,
  type ParameterDecl,
  type ParameterType,
  type PipelineSpec,
  type TaskResources,
  type TaskSpec,
} from './schema.js';

type Issue = { path: string; message: string };

/** sha256 of a component's canonical JSON (without its digest): changes whenever it does. */
export function componentDigest(component: Omit<ComponentSpec, 'digest'> & { digest?: string | undefined }): string {
  const { digest: _ignored, ...rest } = component;
  return sha256Hex(canonicalJson(rest));
}

export function typeOfValue(value: unknown): ParameterType | 'null' | 'unknown' {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'array';
  switch (typeof value) {
    case 'string':
      return 'string';
    case 'boolean':
      return 'boolean';
    case 'number':
      return Number.isInteger(value) ? 'integer' : 'number';
    case 'object':
      return 'object';
    default:
      return 'unknown';
  }
}

/** Whether `value` fits a parameter type (an integer is also a number). */
export function fitsType(type: ParameterType, value: unknown): boolean {
  const actual = typeOfValue(value);
  return actual === type || (type === 'number' && actual === 'integer' && Number.isFinite(value));
}

function sizeIssue(path: string, value: unknown): Issue | undefined {
  const bytes = Buffer.byteLength(JSON.stringify(value) ?? '');
  return bytes > MAX_PARAM_BYTES
    ? { path, message: `value is ${bytes} bytes; parameters are limited to ${MAX_PARAM_BYTES} bytes: pass large data as an artifact` }
    : undefined;
}

/** What a task exposes as outputs: component/pipeline outputs are typed, group outputs are not. */
type OutputInfo = IoSpec | { kind: 'any' };

interface Scope {
  params: Record<string, ParameterDecl>;
  /** Tasks visible from here: this DAG first, then enclosing group DAGs (not across a nested pipeline). */
  tasks: Map<string, TaskSpec>[];
  loops: string[];
  exitHandler: boolean;
}

class Checker {
  readonly issues: Issue[] = [];
  constructor(readonly components: Record<string, ComponentSpec>) {}

  add(path: string, message: string): void {
    this.issues.push({ path, message });
  }

  outputsOf(task: TaskSpec): Record<string, OutputInfo> {
    switch (task.kind) {
      case 'component':
        return this.components[task.component]?.outputs ?? {};
      case 'pipeline':
        return Object.fromEntries(Object.keys(task.pipeline.outputs).map((k) => [k, { kind: 'any' as const }]));
      default:
        return Object.fromEntries(Object.keys(task.outputs).map((k) => [k, { kind: 'any' as const }]));
    }
  }

  /** Checks a binding resolves; returns what it yields when known. */
  binding(b: Binding, path: string, scope: Scope): OutputInfo | undefined {
    switch (b.from) {
      case 'value': {
        const issue = sizeIssue(path, b.value);
        if (issue) this.issues.push(issue);
        return undefined;
      }
      case 'param': {
        const decl = scope.params[b.name];
        if (!decl) this.add(`${path}.name`, `no pipeline parameter "${b.name}" (declared: ${Object.keys(scope.params).join(', ') || 'none'})`);
        return decl ? { kind: 'parameter', type: decl.type, optional: decl.optional } : undefined;
      }
      case 'task': {
        const task = scope.tasks.map((m) => m.get(b.task)).find((t) => t !== undefined);
        if (!task) {
          this.add(`${path}.task`, `no task "${b.task}" in scope`);
          return undefined;
        }
        const out = this.outputsOf(task)[b.output];
        if (!out) this.add(`${path}.output`, `task "${b.task}" has no output "${b.output}" (outputs: ${Object.keys(this.outputsOf(task)).join(', ') || 'none'})`);
        return out;
      }
      case 'item':
        if (scope.loops.length === 0) this.add(path, 'a loop item is only available inside a parallelFor');
        else if (b.loop !== undefined && !scope.loops.includes(b.loop)) this.add(`${path}.loop`, `no enclosing parallelFor "${b.loop}"`);
        return { kind: 'any' };
      case 'runStatus':
        if (!scope.exitHandler) this.add(path, 'the run status is only available in the exit handler');
        return { kind: 'parameter', type: 'string', optional: false };
      case 'artifact':
        return { kind: 'artifact', type: b.ref.kind === 'logs' ? 'file' : b.ref.kind, optional: false };
    }
  }

  inputs(declared: Record<string, IoSpec>, bound: Record<string, Binding>, path: string, scope: Scope, what: string): void {
    for (const [name, b] of Object.entries(bound)) {
      const decl = declared[name];
      const at = `${path}.inputs.${name}`;
      if (!decl) {
        this.add(at, `${what} has no input "${name}" (inputs: ${Object.keys(declared).join(', ') || 'none'})`);
        continue;
      }
      const got = this.binding(b, at, scope);
      if (decl.kind === 'artifact') {
        if (b.from === 'value') this.add(at, `"${name}" is a ${decl.type} artifact: bind a task's artifact output or an {from:'artifact'} reference, not a value`);
        else if (got?.kind === 'parameter') this.add(at, `"${name}" is a ${decl.type} artifact but the binding yields a parameter`);
        else if (got?.kind === 'artifact' && got.type !== decl.type && decl.type !== 'file') this.add(at, `"${name}" expects a ${decl.type} artifact, got a ${got.type}`);
      } else {
        if (got?.kind === 'artifact') this.add(at, `"${name}" is a parameter but the binding yields a ${got.type} artifact`);
        if (b.from === 'value' && !fitsType(decl.type, b.value)) this.add(at, `expected a ${decl.type}, got ${typeOfValue(b.value)}`);
      }
    }
    for (const [name, decl] of Object.entries(declared)) {
      const hasDefault = decl.kind === 'parameter' && decl.default !== undefined;
      if (!(name in bound) && !decl.optional && !hasDefault) this.add(`${path}.inputs`, `missing required input "${name}" of ${what}`);
    }
  }

  dag(dag: DagSpec, path: string, scope: Scope): void {
    const here = new Map(Object.entries(dag.tasks));
    const inner: Scope = { ...scope, tasks: [here, ...scope.tasks] };
    for (const [name, task] of here) {
      const at = `${path}.tasks.${name}`;
      for (const [i, d] of task.dependsOn.entries()) if (!here.has(d)) this.add(`${at}.dependsOn[${i}]`, `no task "${d}" in the same DAG`);
      this.task(task, at, inner, name);
    }
    const topo = topologicalOrder(dag);
    if ('cycle' in topo) this.add(`${path}.tasks`, `dependency cycle: ${topo.cycle.join(' → ')}`);
  }

  task(task: TaskSpec, at: string, scope: Scope, name: string): void {
    switch (task.kind) {
      case 'component': {
        const component = this.components[task.component];
        if (!component) {
          this.add(`${at}.component`, `unknown component "${task.component}" (components: ${Object.keys(this.components).join(', ') || 'none'})`);
          return;
        }
        this.inputs(component.inputs, task.inputs, at, scope, `component ${task.component}`);
        if (task.resources) this.resources(task.resources, `${at}.resources`, scope, name);
        return;
      }
      case 'pipeline': {
        const declared: Record<string, IoSpec> = Object.fromEntries(
          Object.entries(task.pipeline.parameters).map(([k, p]) => [k, { kind: 'parameter', type: p.type, optional: p.optional, default: p.default }]),
        );
        this.inputs(declared, task.inputs, at, scope, `pipeline ${task.pipeline.name}`);
        this.body(task.pipeline.parameters, task.pipeline.dag, task.pipeline.outputs, `${at}.pipeline`);
        return;
      }
      case 'parallelFor': {
        const items = this.binding(task.items, `${at}.items`, scope);
        if (task.items.from === 'value' && !Array.isArray(task.items.value)) this.add(`${at}.items`, 'expected an array of items');
        if (items?.kind === 'parameter' && items.type !== 'array') this.add(`${at}.items`, `expected an array, the binding yields a ${items.type}`);
        if (items?.kind === 'artifact') this.add(`${at}.items`, 'expected an array, the binding yields an artifact');
        const body: Scope = { ...scope, loops: [...scope.loops, name] };
        this.dag(task.dag, `${at}.dag`, body);
        this.groupOutputs(task.outputs, task.dag, `${at}.outputs`, body);
        return;
      }
      case 'condition':
        this.binding(task.when.left, `${at}.when.left`, scope);
        this.binding(task.when.right, `${at}.when.right`, scope);
        this.dag(task.dag, `${at}.dag`, scope);
        this.groupOutputs(task.outputs, task.dag, `${at}.outputs`, scope);
        return;
    }
  }

  /** A task's resources override: value or param bindings only; known values (values, defaults) must parse. */
  resources(res: TaskResources, path: string, scope: Scope, task: string): void {
    for (const field of ['cpu', 'memory', 'gpu'] as const) {
      const b = res[field];
      if (!b) continue;
      const at = `${path}.${field}`;
      if (b.from !== 'value' && b.from !== 'param') {
        this.add(`${at}.from`, `task ${task}: resources are chosen from a value or a pipeline parameter ({from:"value"} or {from:"param"}), not {from:"${b.from}"}`);
        continue;
      }
      this.binding(b, at, scope);
      let value: unknown;
      if (b.from === 'value') value = b.value;
      else value = scope.params[b.name]?.default;
      if (value === undefined) continue;
      const parsed = field === 'gpu' ? parseGpuValue(value) : parseQuantity(field, value);
      if (parsed !== null && typeof parsed === 'object' && 'error' in parsed) {
        const where = b.from === 'param' ? `${at} (default of ${bindingSource(b)})` : at;
        this.add(where, `task ${task}: ${parsed.error}`);
      }
    }
  }

  groupOutputs(outputs: Record<string, Binding>, dag: DagSpec, path: string, scope: Scope): void {
    const inner: Scope = { ...scope, tasks: [new Map(Object.entries(dag.tasks)), ...scope.tasks] };
    for (const [name, b] of Object.entries(outputs)) {
      if (b.from !== 'task') this.add(`${path}.${name}`, 'an output must name a task output ({from:"task"})');
      else this.binding(b, `${path}.${name}`, inner);
    }
  }

  parameters(params: Record<string, ParameterDecl>, path: string): void {
    for (const [name, p] of Object.entries(params)) {
      if (p.default === undefined) continue;
      if (!fitsType(p.type, p.default)) this.add(`${path}.${name}.default`, `expected a ${p.type}, got ${typeOfValue(p.default)}`);
      const issue = sizeIssue(`${path}.${name}.default`, p.default);
      if (issue) this.issues.push(issue);
    }
  }

  body(params: Record<string, ParameterDecl>, dag: DagSpec, outputs: Record<string, Binding>, path: string): void {
    this.parameters(params, `${path}.parameters`);
    const scope: Scope = { params, tasks: [], loops: [], exitHandler: false };
    this.dag(dag, `${path ? `${path}.` : ''}dag`, scope);
    this.groupOutputs(outputs, dag, `${path ? `${path}.` : ''}outputs`, scope);
  }
}

/**
 * Parses and checks a pipeline spec (shape, then wiring: components, inputs, references, cycles,
 * sizes) and fills in component digests. Throws PipelineSpecError naming every bad field path.
 */
export function validateSpec(input: unknown): PipelineSpec {
  const name = typeof input === 'object' && input && 'name' in input && typeof input.name === 'string' ? input.name : '(unnamed)';
  const bytes = Buffer.byteLength(JSON.stringify(input) ?? '');
  if (bytes > MAX_SPEC_BYTES) throw new PipelineSpecError(name, [{ path: '', message: `spec is ${bytes} bytes; the limit is ${MAX_SPEC_BYTES}` }]);
  const parsed = pipelineSpecSchema.safeParse(input);
  if (!parsed.success) {
    throw new PipelineSpecError(
      name,
      parsed.error.issues.map((i) => ({ path: formatPath(i.path), message: i.message })),
      { cause: parsed.error },
    );
  }
  const spec = parsed.data;
  const checker = new Checker(spec.components);
  for (const [key, c] of Object.entries(spec.components)) {
    if (c.name !== key) checker.add(`components.${key}.name`, `must equal its key "${key}"`);
    const digest = componentDigest(c);
    if (c.digest === undefined) c.digest = digest;
    else if (c.digest !== digest) checker.add(`components.${key}.digest`, `does not match the component (expected ${digest}); recompile or drop the field`);
    for (const [io, decl] of Object.entries(c.inputs)) {
      if (decl.kind === 'parameter' && decl.default !== undefined && !fitsType(decl.type, decl.default)) {
        checker.add(`components.${key}.inputs.${io}.default`, `expected a ${decl.type}, got ${typeOfValue(decl.default)}`);
      }
    }
  }
  checker.body(spec.parameters, spec.dag, spec.outputs, '');
  if (spec.exitHandler) {
    // The exit handler may read outputs of the main DAG's top-level tasks; it is skipped when they did not succeed.
    const mainTasks = new Map(Object.entries(spec.dag.tasks));
    checker.dag(spec.exitHandler, 'exitHandler', { params: spec.parameters, tasks: [mainTasks], loops: [], exitHandler: true });
  }
  if (checker.issues.length > 0) throw new PipelineSpecError(spec.name, checker.issues);
  return spec;
}

/** Checks run arguments against the pipeline's parameters and fills in defaults. */
export function resolveRunParameters(spec: Pick<PipelineSpec, 'name' | 'parameters'>, args: Record<string, unknown>): Record<string, unknown> {
  const issues: Issue[] = [];
  const out: Record<string, unknown> = {};
  for (const name of Object.keys(args)) {
    if (!(name in spec.parameters)) issues.push({ path: `parameters.${name}`, message: `unknown parameter (declared: ${Object.keys(spec.parameters).join(', ') || 'none'})` });
  }
  for (const [name, decl] of Object.entries(spec.parameters)) {
    const value = name in args ? args[name] : decl.default;
    const path = `parameters.${name}`;
    if (value === undefined) {
      if (!decl.optional) issues.push({ path, message: `required ${decl.type} parameter has no value and no default` });
      continue;
    }
    if (!fitsType(decl.type, value)) issues.push({ path, message: `expected a ${decl.type}, got ${typeOfValue(value)}` });
    const size = sizeIssue(path, value);
    if (size) issues.push(size);
    out[name] = value;
  }
  if (issues.length > 0) throw new RunArgumentsError(spec.name, issues);
  return out;
}

/**
 * Checks run arguments that choose task resources (a GPU per run): every component task of the
 * pipeline's own DAGs (groups included, nested pipelines checked when they run) whose resources
 * bind a parameter must get a valid value. Throws RunArgumentsError naming the parameter and task.
 */
export function checkResourceArguments(spec: Pick<PipelineSpec, 'name' | 'dag' | 'exitHandler' | 'components'>, params: Record<string, unknown>): void {
  const issues: Issue[] = [];
  const walk = (dag: DagSpec, prefix: string): void => {
    for (const [name, task] of Object.entries(dag.tasks)) {
      const path = prefix ? `${prefix}.${name}` : name;
      if (task.kind === 'parallelFor' || task.kind === 'condition') walk(task.dag, path);
      if (task.kind !== 'component' || !task.resources) continue;
      const r = effectiveResources(spec.components[task.component]?.resources ?? {}, task.resources, params);
      if (!('error' in r)) continue;
      const b = task.resources[r.field];
      issues.push({ path: b?.from === 'param' ? `parameters.${b.name}` : `dag.${path}.resources.${r.field}`, message: `task ${path}: ${r.error}` });
    }
  };
  walk(spec.dag, '');
  if (spec.exitHandler) walk(spec.exitHandler, 'exit-handler');
  if (issues.length > 0) throw new RunArgumentsError(spec.name, issues);
}
