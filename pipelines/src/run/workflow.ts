// The run workflow: one execution per pipeline run, interpreting the spec deterministically.
// No I/O here: steps run in the `runStep` activity, index writes in `recordRunEvent`.
import {
  ActivityCancellationType,
  ActivityFailure,
  ApplicationFailure,
  CancellationScope,
  CancelledFailure,
  isCancellation,
  proxyActivities,
  proxyLocalActivities,
  sleep,
  workflowInfo,
} from '@temporalio/workflow';
import type { RunActivities } from './activities.js';
import { RUN_FAILED, STEP_FAILED, STEP_INPUT_ERROR, type PipelineRunInput, type PipelineRunResult, type RunEvent, type StepValue, type StepValues } from './contracts.js';
import { childPath, taskDependencies, topologicalOrder } from '../spec/graph.js';
import type { Binding, ComponentSpec, ComponentTask, DagSpec, ParallelForTask, PipelineSpec, TaskSpec } from '../spec/schema.js';
import { effectiveResources } from './resources.js';
import { evaluateCondition, isUnavailable, plain, resolveBinding, resolveInputs, type Scope, type TaskResult, type Unavailable } from './values.js';

const { recordRunEvent } = proxyLocalActivities<RunActivities>({ startToCloseTimeout: '30s', retry: { maximumInterval: '5s' } });

const DEFAULT_HEARTBEAT_TIMEOUT_MS = 30_000;
const DEFAULT_STEP_TIMEOUT_MS = 24 * 3_600_000;

interface RunState {
  input: PipelineRunInput;
  spec: PipelineSpec;
  runId: string;
  firstFailure: string | undefined;
  cancelled: boolean;
}

function now(): string {
  return new Date().toISOString();
}

function stepActivity(state: RunState, component: ComponentSpec): RunActivities['runStep'] {
  const timeout = component.timeoutMs ?? DEFAULT_STEP_TIMEOUT_MS;
  return proxyActivities<RunActivities>({
    // The executor enforces the component timeout; this bound only catches a lost executor.
    startToCloseTimeout: timeout + 60_000,
    heartbeatTimeout: state.input.options?.heartbeatTimeoutMs ?? DEFAULT_HEARTBEAT_TIMEOUT_MS,
    cancellationType: ActivityCancellationType.WAIT_CANCELLATION_COMPLETED,
    // Retries here cover lost workers and executor faults; step failures follow the component's policy below.
    retry: { initialInterval: '1s', maximumInterval: '30s', maximumAttempts: 20, nonRetryableErrorTypes: [STEP_FAILED, STEP_INPUT_ERROR] },
  }).runStep;
}

function failureMessage(err: unknown): string {
  if (err instanceof ActivityFailure && err.cause) return err.cause.message;
  return err instanceof Error ? err.message : String(err);
}

function isStepFailure(err: unknown): boolean {
  return err instanceof ActivityFailure && err.cause instanceof ApplicationFailure && err.cause.type === STEP_FAILED;
}

async function settle(state: RunState, stepPath: string, status: 'skipped' | 'not-run' | 'cancelled', reason: string, component?: string): Promise<void> {
  const event: RunEvent = { type: 'step-settled', runId: state.runId, stepPath, status, reason, at: now(), ...(component ? { component } : {}) };
  await CancellationScope.nonCancellable(() => recordRunEvent(event));
}

async function runComponent(state: RunState, task: ComponentTask, stepPath: string, scope: Scope): Promise<TaskResult> {
  const component = state.spec.components[task.component];
  if (!component) return { status: 'failed', error: `unknown component ${task.component}` };
  const inputs = resolveInputs(task.inputs, scope);
  if (isUnavailable(inputs)) {
    await settle(state, stepPath, 'skipped', inputs.unavailable, component.name);
    return { status: 'skipped', reason: inputs.unavailable };
  }
  // A task-level override (e.g. a GPU chosen by a run parameter); absent, the invocation is as before.
  let resources: ComponentSpec['resources'] | undefined;
  if (task.resources) {
    const effective = effectiveResources(component.resources, task.resources, scope.params);
    if ('error' in effective) {
      const error = `${stepPath}: ${effective.error}`;
      const event: RunEvent = { type: 'step-failed', runId: state.runId, stepPath, component: component.name, attempt: 1, error, at: now() };
      await CancellationScope.nonCancellable(() => recordRunEvent(event));
      return { status: 'failed', error };
    }
    resources = effective.resources;
  }
  const runStep = stepActivity(state, component);
  const reuse = state.input.reuse?.[stepPath];
  const { retry } = component;
  for (let attempt = 1; ; attempt++) {
    try {
      const result = await runStep({ runId: state.runId, stepPath, attempt, component, inputs, ...(resources ? { resources } : {}), ...(reuse ? { reuse } : {}) });
      return { status: 'succeeded', outputs: result.outputs };
    } catch (err) {
      if (isCancellation(err)) return { status: 'cancelled' };
      const message = failureMessage(err);
      if (!isStepFailure(err) || attempt >= retry.maxAttempts) return { status: 'failed', error: `${stepPath}: ${message}` };
      const delay = Math.min(retry.initialIntervalMs * retry.backoffCoefficient ** (attempt - 1), retry.maxIntervalMs);
      try {
        await sleep(delay);
      } catch (sleepErr) {
        if (isCancellation(sleepErr)) return { status: 'cancelled' };
        throw sleepErr;
      }
    }
  }
}

async function runParallelFor(state: RunState, task: ParallelForTask, name: string, stepPath: string, scope: Scope): Promise<TaskResult> {
  const items = resolveBinding(task.items, scope);
  if (isUnavailable(items)) return { status: 'skipped', reason: items.unavailable };
  const list = plain(items);
  if (!Array.isArray(list)) return { status: 'failed', error: `${stepPath}: items is not an array` };
  const iterations: { result: TaskResult; scope: Scope }[] = [];
  let next = 0;
  const lane = async (): Promise<void> => {
    while (next < list.length) {
      const i = next++;
      const iterScope: Scope = { ...scope, items: [{ loop: name, value: list[i] }, ...scope.items], path: `${stepPath}[${i}]` };
      const { result, scope: inner } = await runDagIn(state, task.dag, iterScope);
      iterations[i] = { result, scope: inner };
    }
  };
  await Promise.all(Array.from({ length: Math.min(task.parallelism, list.length) }, lane));
  const bad = iterations.find((it) => it.result.status !== 'succeeded');
  if (bad) return bad.result;
  const outputs: StepValues = {};
  for (const [key, b] of Object.entries(task.outputs)) {
    outputs[key] = { kind: 'parameter', value: iterations.map((it) => plain(valueOrUndefined(resolveBinding(b, it.scope))) ?? null) };
  }
  return { status: 'succeeded', outputs };
}

function valueOrUndefined(v: StepValue | Unavailable | undefined): StepValue | undefined {
  return isUnavailable(v) ? undefined : v;
}

function groupOutputs(bindings: Record<string, Binding>, scope: Scope): StepValues {
  const outputs: StepValues = {};
  for (const [key, b] of Object.entries(bindings)) {
    const v = valueOrUndefined(resolveBinding(b, scope));
    if (v) outputs[key] = v;
  }
  return outputs;
}

async function runTask(state: RunState, name: string, task: TaskSpec, scope: Scope): Promise<TaskResult> {
  const stepPath = childPath(scope.path, name);
  switch (task.kind) {
    case 'component':
      return runComponent(state, task, stepPath, scope);
    case 'pipeline': {
      const args = resolveInputs(task.inputs, scope);
      if (isUnavailable(args)) return { status: 'skipped', reason: args.unavailable };
      const params: Record<string, unknown> = {};
      for (const [k, decl] of Object.entries(task.pipeline.parameters)) {
        const v = k in args ? plain(args[k]) : decl.default;
        if (v !== undefined) params[k] = v;
      }
      const { result, scope: inner } = await runDagIn(state, task.pipeline.dag, { params, results: [], items: [], path: stepPath });
      return result.status === 'succeeded' ? { status: 'succeeded', outputs: groupOutputs(task.pipeline.outputs, inner) } : result;
    }
    case 'parallelFor':
      return runParallelFor(state, task, name, stepPath, scope);
    case 'condition': {
      const holds = evaluateCondition(task.when, scope);
      if (holds !== true) {
        const reason = holds === false ? 'condition is false' : holds.unavailable;
        await settle(state, stepPath, 'skipped', reason);
        return { status: 'skipped', reason };
      }
      const { result, scope: inner } = await runDagIn(state, task.dag, { ...scope, path: stepPath });
      return result.status === 'succeeded' ? { status: 'succeeded', outputs: groupOutputs(task.outputs, inner) } : result;
    }
  }
}

/** Runs a DAG level in `outer` (its results join the scope chain); tasks start as soon as their dependencies settle. */
async function runDagIn(state: RunState, dag: DagSpec, outer: Scope): Promise<{ result: TaskResult; scope: Scope }> {
  const here = new Map<string, TaskResult>();
  const scope: Scope = { ...outer, results: [here, ...outer.results] };
  const topo = topologicalOrder(dag);
  if ('cycle' in topo) return { result: { status: 'failed', error: `dependency cycle ${topo.cycle.join(' → ')}` }, scope };
  const running = new Map<string, Promise<TaskResult>>();
  for (const name of topo.order) {
    const task = dag.tasks[name];
    if (!task) continue;
    const deps = taskDependencies(dag, name).map((d) => running.get(d) ?? Promise.resolve<TaskResult>({ status: 'not-run', reason: `unknown task ${d}` }));
    running.set(
      name,
      (async (): Promise<TaskResult> => {
        const upstream = await Promise.all(deps);
        const stepPath = childPath(scope.path, name);
        const component = task.kind === 'component' ? task.component : undefined;
        let result: TaskResult;
        if (state.cancelled || CancellationScope.current().consideredCancelled) {
          result = { status: 'cancelled' };
          await settle(state, stepPath, 'cancelled', 'the run was cancelled', component);
        } else if (state.firstFailure !== undefined || upstream.some((r) => r.status === 'failed' || r.status === 'not-run' || r.status === 'cancelled')) {
          result = { status: 'not-run', reason: 'an upstream step failed' };
          await settle(state, stepPath, 'not-run', result.reason, component);
        } else if (upstream.some((r) => r.status === 'skipped')) {
          result = { status: 'skipped', reason: 'an upstream step was skipped' };
          await settle(state, stepPath, 'skipped', result.reason, component);
        } else {
          result = await runTask(state, name, task, scope);
          if (result.status === 'failed') state.firstFailure ??= result.error;
          if (result.status === 'cancelled') state.cancelled = true;
        }
        here.set(name, result);
        return result;
      })(),
    );
  }
  const results = await Promise.all(running.values());
  const cancelled = results.find((r) => r.status === 'cancelled');
  const failed = results.find((r) => r.status === 'failed' || r.status === 'not-run');
  const result: TaskResult = cancelled ?? failed ?? { status: 'succeeded', outputs: {} };
  return { result, scope };
}

/** Runs a pipeline spec: the DAG, then the exit handler whatever happened; records both in the run index. */
export async function pipelineRun(input: PipelineRunInput): Promise<PipelineRunResult> {
  const runId = workflowInfo().workflowId;
  const spec = input.spec;
  const state: RunState = { input, spec, runId, firstFailure: undefined, cancelled: false };
  await recordRunEvent({
    type: 'run-started',
    runId,
    pipeline: spec.name,
    parameters: input.parameters,
    at: now(),
    ...(input.pipelineVersion ? { pipelineVersion: input.pipelineVersion } : {}),
    ...(input.experiment ? { experiment: input.experiment } : {}),
    ...(input.retryOf ? { retryOf: input.retryOf } : {}),
  });

  const root: Scope = { params: input.parameters, results: [], items: [], path: '' };
  let main: { result: TaskResult; scope: Scope };
  try {
    main = await runDagIn(state, spec.dag, root);
  } catch (err) {
    if (!isCancellation(err)) throw err;
    state.cancelled = true;
    main = { result: { status: 'cancelled' }, scope: root };
  }
  if (CancellationScope.current().consideredCancelled) state.cancelled = true;
  let status: PipelineRunResult['status'] = state.cancelled ? 'cancelled' : main.result.status === 'succeeded' ? 'succeeded' : 'failed';

  if (spec.exitHandler) {
    const exitDag = spec.exitHandler;
    const exitScope: Scope = { params: input.parameters, results: main.scope.results, items: [], path: 'exit-handler', runStatus: status };
    const exitState: RunState = { ...state, firstFailure: undefined, cancelled: false };
    const exit = await CancellationScope.nonCancellable(() => runDagIn(exitState, exitDag, exitScope));
    if (exit.result.status !== 'succeeded' && status === 'succeeded') {
      status = 'failed';
      state.firstFailure = exitState.firstFailure ?? 'the exit handler failed';
    }
  }

  const outputs = status === 'succeeded' ? groupOutputs(spec.outputs, main.scope) : {};
  const error = status === 'failed' ? (state.firstFailure ?? 'a step failed') : undefined;
  await CancellationScope.nonCancellable(() =>
    recordRunEvent({ type: 'run-finished', runId, status, outputs, at: now(), ...(error ? { error } : {}) }),
  );
  if (status === 'failed') throw ApplicationFailure.nonRetryable(`pipeline ${spec.name} failed: ${error ?? ''}`, RUN_FAILED);
  if (status === 'cancelled') throw new CancelledFailure('run cancelled');
  return { status, outputs };
}
