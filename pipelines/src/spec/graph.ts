// Pure graph helpers shared by validation (Node) and the run workflow (Temporal sandbox):
// type-only imports, no Node built-ins, no zod at run time.
import type { Binding, Condition, DagSpec, TaskSpec } from './schema.js';

function bindingTask(binding: Binding): string | undefined {
  return binding.from === 'task' ? binding.task : undefined;
}

function conditionBindings(when: Condition): Binding[] {
  return [when.left, when.right];
}

/** Every binding a task reads directly (not those inside its body). */
export function ownBindings(task: TaskSpec): Binding[] {
  switch (task.kind) {
    case 'component':
    case 'pipeline':
      return Object.values(task.inputs);
    case 'parallelFor':
      return [task.items];
    case 'condition':
      return conditionBindings(task.when);
  }
}

/**
 * Names of tasks referenced from inside a group's body that are not defined inside it: those
 * resolve in an enclosing DAG. A nested pipeline's body is sealed (it sees only its parameters).
 */
export function outerTaskRefs(dag: DagSpec, groupOutputs: Record<string, Binding> = {}): Set<string> {
  const refs = new Set<string>();
  const defined = new Set(Object.keys(dag.tasks));
  const add = (b: Binding): void => {
    const t = bindingTask(b);
    if (t !== undefined && !defined.has(t)) refs.add(t);
  };
  for (const task of Object.values(dag.tasks)) {
    for (const b of ownBindings(task)) add(b);
    if (task.kind === 'parallelFor' || task.kind === 'condition') {
      for (const name of outerTaskRefs(task.dag, task.outputs)) if (!defined.has(name)) refs.add(name);
    }
  }
  for (const b of Object.values(groupOutputs)) add(b);
  return refs;
}

/** The sibling tasks a task must wait for: explicit `dependsOn` plus every data reference. */
export function taskDependencies(dag: DagSpec, name: string): string[] {
  const task = dag.tasks[name];
  if (!task) return [];
  const deps = new Set(task.dependsOn);
  for (const b of ownBindings(task)) {
    const t = bindingTask(b);
    if (t !== undefined) deps.add(t);
  }
  if (task.kind === 'parallelFor' || task.kind === 'condition') for (const t of outerTaskRefs(task.dag)) deps.add(t);
  return [...deps].filter((d) => d !== name && d in dag.tasks);
}

/** Topological order of a DAG's tasks (stable: declaration order among ready tasks), or the cycle. */
export function topologicalOrder(dag: DagSpec): { order: string[] } | { cycle: string[] } {
  const names = Object.keys(dag.tasks);
  const deps = new Map(names.map((n) => [n, taskDependencies(dag, n)]));
  const order: string[] = [];
  const state = new Map<string, 'visiting' | 'done'>();
  const stack: string[] = [];
  const visit = (n: string): string[] | undefined => {
    const s = state.get(n);
    if (s === 'done') return undefined;
    if (s === 'visiting') return [...stack.slice(stack.indexOf(n)), n];
    state.set(n, 'visiting');
    stack.push(n);
    for (const d of deps.get(n) ?? []) {
      const cycle = visit(d);
      if (cycle) return cycle;
    }
    stack.pop();
    state.set(n, 'done');
    order.push(n);
    return undefined;
  };
  for (const n of names) {
    const cycle = visit(n);
    if (cycle) return { cycle };
  }
  return { order };
}

/** A step's path in the run: `train`, `per-class[2].augment`, `prep.split`. */
export function childPath(parent: string, name: string): string {
  return parent ? `${parent}.${name}` : name;
}
