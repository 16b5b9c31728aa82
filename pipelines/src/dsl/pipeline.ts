import type { z } from 'zod';
import { PipelineDefinitionError } from '../errors.js';
import { SPEC_VERSION, type Binding, type TaskResources, type ComponentSpec, type DagSpec, type ParameterDecl, type PipelineBody, type PipelineSpec, type TaskSpec } from '../spec/schema.js';
import { validateSpec } from '../spec/validate.js';
import { gpuSpec, type Component, type GpuRequest, type InputsArg, type OutputRefs } from './component.js';
import { isImported, parameterInfo, Ref, ArtifactHandle, type ConditionExpr, type IoDecl } from './refs.js';

type Params = Record<string, z.ZodType>;
export type ParamRefs<P extends Params> = { [K in keyof P]: Ref<z.output<P[K]>> };
type Outputs = Record<string, Ref>;
type GroupRefs<O extends Outputs> = { [K in keyof O]: O[K] };
type LoopRefs<O extends Outputs> = { [K in keyof O]: O[K] extends Ref<infer T> ? Ref<T[]> : never };
type PipelineArgs<P extends Params> = { [K in keyof P as undefined extends z.input<P[K]> ? K : never]?: z.input<P[K]> | Ref<z.output<P[K]>> } & {
  [K in keyof P as undefined extends z.input<P[K]> ? never : K]: z.input<P[K]> | Ref<z.output<P[K]>>;
};

export interface PipelineDefinition<P extends Params, O extends Outputs> {
  name: string;
  description?: string;
  params?: P;
  /** Builds the DAG: wire task outputs into inputs; return the pipeline's outputs. */
  build(params: ParamRefs<P>, b: DagBuilder): O | void;
}

export interface Pipeline<P extends Params = Params, O extends Outputs = Outputs> {
  readonly kind: 'pipeline';
  readonly name: string;
  readonly definition: PipelineDefinition<P, O>;
  /** Compiles to a validated, versioned spec (throws PipelineSpecError naming bad fields). */
  compile(): PipelineSpec;
}

/**
 * Per-task resources, overriding the component's: fixed values or pipeline parameters, so a run
 * chooses its GPU. A gpu parameter takes "none" (no GPU), a count, "dra:<deviceClass>:<count>"
 * or the spec object form.
 */
export interface TaskResourcesArg {
  cpu?: string | number | Ref;
  memory?: string | Ref;
  gpu?: GpuRequest | 'none' | null | Ref;
}

export interface TaskOptions {
  name?: string;
  displayName?: string;
  /** Component tasks only: resources chosen per task (and, through parameters, per run). */
  resources?: TaskResourcesArg;
}

export interface TaskHandle<O = Record<string, Ref>> {
  readonly name: string;
  readonly outputs: O;
  /** Runs this task only after `others` finished (no data passed). */
  after(...others: { name: string }[]): this;
}

/** State shared by one compile: task names and components of the whole pipeline tree. */
interface CompileState {
  components: Map<string, ComponentSpec & { digest: string }>;
}

/** Builds one DAG level; groups (parallelFor, condition) get child builders. */
export class DagBuilder {
  private exit: DagSpec | undefined;

  constructor(
    private readonly state: CompileState,
    private readonly owner: symbol,
    private readonly names: Set<string>,
    readonly dag: DagSpec,
    private readonly topLevel: boolean,
  ) {}

  private uniqueName(wanted: string): string {
    const base = wanted.replace(/[^A-Za-z0-9_-]/g, '-').replace(/^[^A-Za-z]+/, '') || 'task';
    let name = base;
    for (let i = 2; this.names.has(name); i++) name = `${base}-${i}`;
    this.names.add(name);
    return name;
  }

  private bind(value: unknown, what: string): Binding {
    if (value instanceof Ref) {
      if (value.owner !== this.owner && !isImported(value)) {
        throw new PipelineDefinitionError(`${what}: this value belongs to another pipeline; pass it in as a parameter of the nested pipeline`);
      }
      return value.binding;
    }
    if (value === undefined) throw new PipelineDefinitionError(`${what}: undefined is not a value`);
    return { from: 'value', value };
  }

  private bindAll(inputs: Record<string, unknown>, what: string): Record<string, Binding> {
    const out: Record<string, Binding> = {};
    for (const [k, v] of Object.entries(inputs)) if (v !== undefined) out[k] = this.bind(v, `${what} input ${k}`);
    return out;
  }

  private resourceBindings(res: TaskResourcesArg, what: string): TaskResources {
    const out: TaskResources = {};
    if (res.cpu !== undefined) out.cpu = res.cpu instanceof Ref ? this.bind(res.cpu, `${what} resources.cpu`) : { from: 'value', value: String(res.cpu) };
    if (res.memory !== undefined) out.memory = this.bind(res.memory, `${what} resources.memory`);
    if (res.gpu !== undefined) {
      const gpu = res.gpu;
      out.gpu =
        gpu instanceof Ref ? this.bind(gpu, `${what} resources.gpu`) : { from: 'value', value: gpu === null || gpu === 'none' ? 'none' : gpuSpec(gpu) };
    }
    return out;
  }

  private handle<O>(name: string, outputs: O): TaskHandle<O> {
    const task = this.dag.tasks[name];
    const handle: TaskHandle<O> = {
      name,
      outputs,
      after: (...others) => {
        task?.dependsOn.push(...others.map((o) => o.name));
        return handle;
      },
    };
    return handle;
  }

  private outputRefs(name: string, keys: string[], artifacts: Set<string>): Record<string, Ref> {
    return Object.fromEntries(
      keys.map((k) => {
        const binding: Binding = { from: 'task', task: name, output: k };
        return [k, artifacts.has(k) ? new ArtifactHandle(binding, this.owner) : new Ref(binding, this.owner)];
      }),
    );
  }

  /** Adds a component step, or a nested pipeline, wired to `inputs`. */
  task<I extends Record<string, IoDecl>, O extends Record<string, IoDecl>>(
    c: Component<I, O>,
    inputs: InputsArg<I>,
    options?: TaskOptions,
  ): TaskHandle<OutputRefs<O>>;
  task<P extends Params, O extends Outputs>(p: Pipeline<P, O>, inputs: PipelineArgs<P>, options?: Omit<TaskOptions, 'resources'>): TaskHandle<O>;
  task(c: Component | Pipeline, inputs: Record<string, unknown>, options: TaskOptions = {}): TaskHandle<unknown> {
    const name = this.uniqueName(options.name ?? (c.kind === 'component' ? c.spec.name : c.name));
    const display = options.displayName ? { displayName: options.displayName } : {};
    if (c.kind === 'component') {
      const known = this.state.components.get(c.spec.name);
      if (known && known.digest !== c.spec.digest) {
        throw new PipelineDefinitionError(`two different components are named "${c.spec.name}"; give one another name`);
      }
      this.state.components.set(c.spec.name, c.spec);
      const resources = options.resources ? { resources: this.resourceBindings(options.resources, `task ${name}`) } : {};
      this.dag.tasks[name] = { kind: 'component', component: c.spec.name, inputs: this.bindAll(inputs, `task ${name}`), ...resources, dependsOn: [], ...display };
      const artifacts = new Set(Object.entries(c.spec.outputs).filter(([, o]) => o.kind === 'artifact').map(([k]) => k));
      return this.handle(name, this.outputRefs(name, Object.keys(c.spec.outputs), artifacts));
    }
    if (options.resources) throw new PipelineDefinitionError(`task ${name}: resources belong to component tasks; set them on the tasks inside pipeline ${c.name}`);
    const { body, artifacts } = buildBody(c.definition, this.state);
    this.dag.tasks[name] = { kind: 'pipeline', pipeline: body, inputs: this.bindAll(inputs, `task ${name}`), dependsOn: [], ...display };
    return this.handle(name, this.outputRefs(name, Object.keys(body.outputs), artifacts));
  }

  private child(): DagBuilder {
    return new DagBuilder(this.state, this.owner, this.names, { tasks: {} }, false);
  }

  private groupOutputs(outputs: Outputs | void, what: string): { bindings: Record<string, Binding>; artifacts: Set<string> } {
    const bindings: Record<string, Binding> = {};
    const artifacts = new Set<string>();
    for (const [k, ref] of Object.entries(outputs ?? {})) {
      bindings[k] = this.bind(ref, `${what} output ${k}`);
      if (ref instanceof ArtifactHandle) artifacts.add(k);
    }
    return { bindings, artifacts };
  }

  /** Runs `body` once per item, at most `parallelism` at a time; outputs become arrays (one entry per item). */
  parallelFor<T, O extends Outputs>(
    items: T[] | Ref<T[]>,
    options: { parallelism?: number; name?: string },
    body: (item: Ref<T>, b: DagBuilder) => O | void,
  ): TaskHandle<LoopRefs<O>> {
    const name = this.uniqueName(options.name ?? 'for-each');
    const inner = this.child();
    const produced = body(new Ref<T>({ from: 'item', loop: name }, this.owner), inner);
    const { bindings } = this.groupOutputs(produced, `parallelFor ${name}`);
    this.dag.tasks[name] = {
      kind: 'parallelFor',
      items: this.bind(items, `parallelFor ${name} items`),
      parallelism: options.parallelism ?? 8,
      dag: inner.dag,
      outputs: bindings,
      dependsOn: [],
    };
    return this.handle(name, this.outputRefs(name, Object.keys(bindings), new Set()) as LoopRefs<O>);
  }

  /** Runs `body` only when `when` holds; consumers of its outputs are skipped otherwise. */
  condition<O extends Outputs>(when: ConditionExpr, body: (b: DagBuilder) => O | void, options: { name?: string } = {}): TaskHandle<GroupRefs<O>> {
    const name = this.uniqueName(options.name ?? 'condition');
    const inner = this.child();
    const { bindings, artifacts } = this.groupOutputs(body(inner), `condition ${name}`);
    this.dag.tasks[name] = {
      kind: 'condition',
      when: { left: this.bind(when.left, `condition ${name} left`), op: when.op, right: this.bind(when.right, `condition ${name} right`) },
      dag: inner.dag,
      outputs: bindings,
      dependsOn: [],
    };
    return this.handle(name, this.outputRefs(name, Object.keys(bindings), artifacts) as GroupRefs<O>);
  }

  /** Tasks that run after the pipeline whatever its outcome; `status` is succeeded, failed or cancelled. */
  exitHandler(body: (status: Ref<'succeeded' | 'failed' | 'cancelled'>, b: DagBuilder) => void): void {
    if (!this.topLevel) throw new PipelineDefinitionError('exitHandler belongs at the top level of a pipeline');
    if (this.exit) throw new PipelineDefinitionError('a pipeline has one exitHandler');
    const inner = this.child();
    body(new Ref({ from: 'runStatus' }, this.owner), inner);
    this.exit = inner.dag;
  }

  exitDag(): DagSpec | undefined {
    return this.exit;
  }
}

function buildBody<P extends Params, O extends Outputs>(
  def: PipelineDefinition<P, O>,
  state: CompileState,
  topLevel = false,
): { body: PipelineBody; artifacts: Set<string>; exit: DagSpec | undefined } {
  const owner = Symbol(def.name);
  const parameters: Record<string, ParameterDecl> = {};
  const refs: Record<string, Ref> = {};
  for (const [k, schema] of Object.entries(def.params ?? {})) {
    const info = parameterInfo(schema, `pipeline ${def.name} parameter ${k}`);
    parameters[k] = { type: info.type, optional: info.optional, schema: info.schema, ...(info.default !== undefined ? { default: info.default } : {}), ...(info.description ? { description: info.description } : {}) };
    refs[k] = new Ref({ from: 'param', name: k }, owner);
  }
  const builder = new DagBuilder(state, owner, new Set(), { tasks: {} }, topLevel);
  const produced = def.build(refs as ParamRefs<P>, builder);
  const outputs: Record<string, Binding> = {};
  const artifacts = new Set<string>();
  for (const [k, ref] of Object.entries(produced ?? {})) {
    if (ref.owner !== owner) throw new PipelineDefinitionError(`pipeline ${def.name} output ${k}: not a value of this pipeline`);
    outputs[k] = ref.binding;
    if (ref instanceof ArtifactHandle) artifacts.add(k);
  }
  const body: PipelineBody = { name: def.name, parameters, dag: builder.dag, outputs, ...(def.description ? { description: def.description } : {}) };
  return { body, artifacts, exit: builder.exitDag() };
}

/** Defines a pipeline: parameters with defaults and a DAG of components, groups and nested pipelines. */
export function pipeline<P extends Params = Record<string, never>, O extends Outputs = Outputs>(def: PipelineDefinition<P, O>): Pipeline<P, O> {
  return {
    kind: 'pipeline',
    name: def.name,
    definition: def,
    compile(): PipelineSpec {
      const state: CompileState = { components: new Map() };
      const { body, exit } = buildBody(def, state, true);
      const spec = {
        specVersion: SPEC_VERSION,
        name: body.name,
        ...(body.description ? { description: body.description } : {}),
        parameters: body.parameters,
        components: Object.fromEntries([...state.components].sort(([a], [b]) => a.localeCompare(b))),
        dag: body.dag,
        ...(exit ? { exitHandler: exit } : {}),
        outputs: body.outputs,
      };
      return validateSpec(spec);
    },
  };
}

export type { TaskSpec };
