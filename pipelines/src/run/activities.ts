import { Context } from '@temporalio/activity';
import { ApplicationFailure, CancelledFailure } from '@temporalio/common';
import { artifactRefSchema, createLogger, describeError, traceEnv, type ArtifactRef, type ArtifactStore, type Logger } from '@signflow/core';
import type { Executor, StepLaunch } from '../executor/types.js';
import { canonicalJson, sha256Hex } from '../spec/canonical.js';
import { MAX_PARAM_BYTES, type ComponentSpec } from '../spec/schema.js';
import { fitsType, typeOfValue } from '../spec/validate.js';
import { lineageNode, type RunStore } from '../runs/store.js';
import { STEP_FAILED, type RunEvent, type StepInvocation, type StepResult, type StepValues } from './contracts.js';

export interface ActivityDeps {
  executor: Executor;
  store: ArtifactStore;
  runs: RunStore;
  logger?: Logger;
  /** Extra environment for every step (PATH additions, SIGNFLOW_* settings). */
  stepEnv?: Record<string, string>;
  /** How often a running step heartbeats (the worker caps Temporal's throttling to match). */
  heartbeatIntervalMs?: number;
}

/** Where a step attempt's log lives in the artifact store. */
export function stepLogKey(runId: string, stepPath: string, attempt: number): string {
  return `runs/${runId}/${stepPath}/attempt-${attempt}.log`;
}

/** A DNS-label-safe id for executors (pod names): readable prefix plus a hash of the full path. */
export function stepIdOf(stepPath: string): string {
  const readable = stepPath.toLowerCase().replace(/[^a-z0-9]+/g, '-').replace(/^-+|-+$/g, '').slice(0, 40) || 'step';
  return `${readable}-${sha256Hex(stepPath).slice(0, 8)}`;
}

/** Cache key: the component's digest plus its input values, artifacts by content hash only. */
export function cacheKey(component: ComponentSpec, inputs: StepValues): string {
  const material = Object.fromEntries(Object.entries(inputs).map(([k, v]) => [k, v.kind === 'parameter' ? { p: v.value } : { a: v.ref.sha256 }]));
  return sha256Hex(canonicalJson({ digest: component.digest, inputs: material }));
}

async function artifactsPresent(store: ArtifactStore, outputs: StepValues): Promise<boolean> {
  for (const v of Object.values(outputs)) if (v.kind === 'artifact' && !(await store.exists(v.ref))) return false;
  return true;
}

function stepFailure(message: string, details?: Record<string, unknown>): ApplicationFailure {
  return ApplicationFailure.create({ message, type: STEP_FAILED, nonRetryable: true, ...(details ? { details: [details] } : {}) });
}

/** The outputs document a step wrote: `{ parameters: {...}, artifacts: { name: ArtifactRef | { path, metadata? } } }`. */
async function collectOutputs(component: ComponentSpec, outputsJson: string | undefined, store: ArtifactStore): Promise<StepValues> {
  let doc: { parameters?: Record<string, unknown>; artifacts?: Record<string, unknown> } = {};
  if (outputsJson !== undefined && outputsJson.trim() !== '') {
    try {
      doc = JSON.parse(outputsJson) as typeof doc;
    } catch (err) {
      throw stepFailure(`outputs document is not JSON: ${describeError(err)}`);
    }
  }
  const outputs: StepValues = {};
  for (const [name, decl] of Object.entries(component.outputs)) {
    if (decl.kind === 'parameter') {
      const value = doc.parameters?.[name];
      if (value === undefined) {
        if (!decl.optional) throw stepFailure(`output ${name}: the step wrote no value (expected a ${decl.type} under "parameters")`);
        continue;
      }
      if (!fitsType(decl.type, value)) throw stepFailure(`output ${name}: expected a ${decl.type}, got ${typeOfValue(value)}`);
      if (Buffer.byteLength(JSON.stringify(value)) > MAX_PARAM_BYTES) throw stepFailure(`output ${name}: larger than ${MAX_PARAM_BYTES} bytes; write it as an artifact`);
      outputs[name] = { kind: 'parameter', value };
      continue;
    }
    const raw = doc.artifacts?.[name];
    if (raw === undefined) {
      if (!decl.optional) throw stepFailure(`output ${name}: the step wrote no ${decl.type} artifact (expected under "artifacts")`);
      continue;
    }
    let ref: ArtifactRef;
    if (raw && typeof raw === 'object' && 'path' in raw && typeof raw.path === 'string') {
      const metadata = 'metadata' in raw && raw.metadata && typeof raw.metadata === 'object' ? (raw.metadata as Record<string, unknown>) : {};
      try {
        ref = await store.put(raw.path, decl.type, metadata);
      } catch (err) {
        throw stepFailure(`output ${name}: cannot store ${raw.path}: ${describeError(err)}`);
      }
    } else {
      const parsed = artifactRefSchema.safeParse(raw);
      if (!parsed.success) throw stepFailure(`output ${name}: expected an artifact reference or { "path": ... }: ${parsed.error.issues[0]?.message ?? 'invalid'}`);
      ref = parsed.data;
    }
    outputs[name] = { kind: 'artifact', ref };
  }
  return outputs;
}

function inputsDocument(inv: StepInvocation): string {
  const parameters: Record<string, unknown> = {};
  const artifacts: Record<string, ArtifactRef> = {};
  for (const [k, v] of Object.entries(inv.inputs)) {
    if (v.kind === 'parameter') parameters[k] = v.value;
    else artifacts[k] = v.ref;
  }
  for (const [k, decl] of Object.entries(inv.component.inputs)) {
    if (decl.kind === 'parameter' && !(k in parameters) && decl.default !== undefined) parameters[k] = decl.default;
  }
  return JSON.stringify({ parameters, artifacts, run: { runId: inv.runId, stepPath: inv.stepPath, attempt: inv.attempt } });
}

/** The run workflow's activities: `runStep` hands a step to the executor; `recordRunEvent` writes the run index. */
export function createActivities(deps: ActivityDeps) {
  const logger = deps.logger ?? createLogger('pipelines-activities');
  const { store, runs, executor } = deps;

  const recordLineage = (inv: StepInvocation, outputs: StepValues): void => {
    const step = lineageNode.step(inv.runId, inv.stepPath);
    runs.addEdge({ from: lineageNode.run(inv.runId), to: step, relation: 'ran', runId: inv.runId });
    for (const v of Object.values(inv.inputs)) {
      if (v.kind !== 'artifact') continue;
      runs.recordArtifact(v.ref);
      runs.addEdge({ from: lineageNode.artifact(v.ref.sha256), to: step, relation: 'consumed', runId: inv.runId });
    }
    for (const v of Object.values(outputs)) {
      if (v.kind !== 'artifact') continue;
      runs.recordArtifact(v.ref);
      runs.addEdge({ from: step, to: lineageNode.artifact(v.ref.sha256), relation: 'produced', runId: inv.runId });
    }
    // A step that outputs a model `name` and integer `version` registered a model version.
    const name = outputs['name'];
    const version = outputs['version'];
    if (name?.kind === 'parameter' && typeof name.value === 'string' && version?.kind === 'parameter' && Number.isInteger(version.value)) {
      runs.addEdge({ from: step, to: lineageNode.model(name.value, String(version.value)), relation: 'registered-as', runId: inv.runId });
    }
  };

  const finish = (inv: StepInvocation, result: StepResult, status: 'succeeded' | 'cached' | 'reused'): StepResult => {
    runs.upsertStep(inv.runId, inv.stepPath, { status, attempt: inv.attempt, finishedAt: Date.parse(result.finishedAt), outputs: result.outputs, workMs: result.workMs, error: null });
    recordLineage(inv, result.outputs);
    return result;
  };

  async function execute(inv: StepInvocation, logKey: string, startedAt: string): Promise<StepResult> {
    const ctx = Context.current();
    const { component } = inv;
    const env: Record<string, string> = {
      ...deps.stepEnv,
      ...component.implementation.env,
      SIGNFLOW_RUN_ID: inv.runId,
      SIGNFLOW_STEP_ID: inv.stepPath,
      SIGNFLOW_STEP_ATTEMPT: String(inv.attempt),
      SIGNFLOW_COMPONENT: component.name,
      SIGNFLOW_ARTIFACT_STORE: store.rootUri,
      // W3C trace context of this activity's span (TRACEPARENT/TRACESTATE): the step process joins the run's trace
      ...traceEnv(),
    };
    const launch: StepLaunch = {
      runId: inv.runId,
      stepId: stepIdOf(inv.stepPath),
      attempt: inv.attempt,
      ...(component.implementation.image ? { image: component.implementation.image } : {}),
      command: component.implementation.command,
      env,
      resources: inv.resources ?? component.resources,
      ...(component.timeoutMs ? { timeoutMs: component.timeoutMs } : {}),
      inputsJson: inputsDocument(inv),
    };
    if (ctx.info.attempt > 1) await store.appendLog(logKey, `\n--- signflow: attempt ${inv.attempt} restarted (activity try ${ctx.info.attempt}) ---\n`);
    let pending = Promise.resolve();
    const logs = {
      write: (chunk: string): Promise<void> => {
        pending = pending.then(() => store.appendLog(logKey, chunk)).catch((err: unknown) => logger.warn({ err, logKey }, 'step log write failed'));
        return pending;
      },
    };
    const timer = setInterval(() => ctx.heartbeat({ stepPath: inv.stepPath }), deps.heartbeatIntervalMs ?? 1000);
    const began = performance.now();
    let outcome;
    try {
      outcome = await executor.run(launch, { signal: ctx.cancellationSignal, heartbeat: (d) => ctx.heartbeat({ stepPath: inv.stepPath, ...d }), logs });
    } finally {
      clearInterval(timer);
      await pending;
    }
    const workMs = performance.now() - began;
    if (ctx.cancellationSignal.aborted) {
      runs.upsertStep(inv.runId, inv.stepPath, { status: 'cancelled', attempt: inv.attempt, finishedAt: Date.now(), error: 'cancelled' });
      throw new CancelledFailure('step cancelled');
    }
    if (outcome.status === 'failed') {
      const tail = (await store.readLog(logKey))?.text.split('\n').slice(-20).join('\n') ?? '';
      const message = `exit code ${String(outcome.exitCode)}: ${outcome.reason}`;
      if (outcome.retryable) throw ApplicationFailure.retryable(message, 'StepInterrupted');
      runs.upsertStep(inv.runId, inv.stepPath, { status: 'failed', attempt: inv.attempt, finishedAt: Date.now(), error: `${message}\n${tail}`.trim(), workMs });
      throw stepFailure(`${message}${tail ? `\n--- log tail ---\n${tail}` : ''}`, { exitCode: outcome.exitCode });
    }
    let outputs: StepValues;
    try {
      outputs = await collectOutputs(component, outcome.outputsJson, store);
    } catch (err) {
      runs.upsertStep(inv.runId, inv.stepPath, { status: 'failed', attempt: inv.attempt, finishedAt: Date.now(), error: describeError(err), workMs });
      throw err;
    }
    const result: StepResult = { outputs, source: 'executed', startedAt, finishedAt: new Date().toISOString(), workMs };
    if (component.caching) await store.writeJson(`cache/${cacheKey(component, inv.inputs)}.json`, outputs);
    return finish(inv, result, 'succeeded');
  }

  return {
    /** Runs one step attempt: reuse (retry of a run) or cache hit when its artifacts still exist, else the executor. */
    async runStep(inv: StepInvocation): Promise<StepResult> {
      const startedAt = new Date().toISOString();
      const logKey = stepLogKey(inv.runId, inv.stepPath, inv.attempt);
      runs.upsertStep(inv.runId, inv.stepPath, { component: inv.component.name, status: 'running', attempt: inv.attempt, startedAt: Date.parse(startedAt), inputs: inv.inputs, logKey, error: null });
      if (inv.reuse && (await artifactsPresent(store, inv.reuse))) {
        await store.appendLog(logKey, `signflow: reused the outputs of the run being retried\n`);
        return finish(inv, { outputs: inv.reuse, source: 'reused', startedAt, finishedAt: new Date().toISOString(), workMs: 0 }, 'reused');
      }
      if (inv.component.caching) {
        const key = cacheKey(inv.component, inv.inputs);
        const hit = (await store.readJson(`cache/${key}.json`)) as StepValues | undefined;
        if (hit && (await artifactsPresent(store, hit))) {
          await store.appendLog(logKey, `signflow: cache hit ${key}\n`);
          return finish(inv, { outputs: hit, source: 'cached', startedAt, finishedAt: new Date().toISOString(), workMs: 0 }, 'cached');
        }
      }
      return execute(inv, logKey, startedAt);
    },

    /** Writes a run event into the run index (a local activity: same worker, no task queue hop). */
    async recordRunEvent(event: RunEvent): Promise<void> {
      runs.applyEvent(event);
      return Promise.resolve();
    },
  };
}

export type RunActivities = ReturnType<typeof createActivities>;
