import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { z } from 'zod';
import { component, pipeline, PipelineDefinitionError, PipelineSpecError, resolveRunParameters, RunArgumentsError, validateSpec, MAX_PARAM_BYTES, SPEC_VERSION } from '../src/index.js';
import { pipelineSpecJsonSchema } from '../src/spec/json-schema.js';
import { demo, square } from './fixtures/demo-pipeline.js';

/** A JSON copy of a compiled spec with `value` set at `path`. */
function edited(spec: unknown, ...edits: [string[], unknown][]): unknown {
  const copy = JSON.parse(JSON.stringify(spec)) as Record<string, unknown>;
  for (const [path, value] of edits) {
    let node = copy;
    for (const key of path.slice(0, -1)) node = node[key] as Record<string, unknown>;
    node[path[path.length - 1] ?? ''] = value;
  }
  return copy;
}

function issuesOf(fn: () => unknown): { path: string; message: string }[] {
  try {
    fn();
  } catch (err) {
    if (err instanceof PipelineSpecError || err instanceof RunArgumentsError) return [...err.issues];
    throw err;
  }
  assert.fail('expected a rejection');
}

test('the DSL compiles every construct into a versioned spec that validates again unchanged', () => {
  const spec = demo.compile();
  assert.equal(spec.specVersion, SPEC_VERSION);
  assert.deepEqual(Object.keys(spec.components).sort(), ['make-numbers', 'report', 'square']);
  assert.deepEqual(Object.keys(spec.dag.tasks), ['prep', 'for-each', 'condition']);
  assert.equal(spec.dag.tasks['prep']?.kind, 'pipeline');
  const loop = spec.dag.tasks['for-each'];
  assert.ok(loop?.kind === 'parallelFor' && loop.parallelism === 2);
  assert.deepEqual(loop.items, { from: 'param', name: 'items' });
  assert.ok(spec.exitHandler?.tasks['final-report']);
  assert.equal(spec.components['report']?.resources.gpu?.kind, 'dra');
  assert.equal(spec.components['report']?.timeoutMs, 600_000);
  assert.equal(spec.components['square']?.retry.maxAttempts, 3);
  assert.deepEqual(validateSpec(JSON.parse(JSON.stringify(spec))), spec, 'a compiled spec round-trips through JSON');
});

test('the committed JSON Schema is the one the spec schema generates', () => {
  const committed = JSON.parse(readFileSync(new URL('../schema/pipeline-spec.v1.json', import.meta.url), 'utf8')) as unknown;
  assert.deepEqual(committed, pipelineSpecJsonSchema(), 'run `npm run schema -w pipelines` and commit the result');
});

test('invalid specs are rejected naming the bad field path', () => {
  const spec = edited(demo.compile(), [['components', 'square', 'resources'], { memory: 'lots' }]);
  const issues = issuesOf(() => validateSpec(spec));
  assert.ok(issues.some((i) => i.path === 'components.square.resources.memory' && /quantity/.test(i.message)), JSON.stringify(issues));

  const wiring = edited(
    demo.compile(),
    [['dag', 'tasks', 'prep', 'dependsOn'], ['nope']],
    [['dag', 'tasks', 'for-each', 'dag', 'tasks', 'square', 'inputs', 'x'], { from: 'task', task: 'prep', output: 'missing' }],
  );
  const w = issuesOf(() => validateSpec(wiring));
  assert.deepEqual(w.map((i) => i.path).sort(), ['dag.tasks.for-each.dag.tasks.square.inputs.x.output', 'dag.tasks.prep.dependsOn[0]']);
});

test('unknown components, missing inputs, wrong types and cycles are named', () => {
  const base = { specVersion: SPEC_VERSION, name: 'bad', components: { square: square.spec } };
  const unknown = issuesOf(() => validateSpec({ ...base, dag: { tasks: { a: { kind: 'component', component: 'cube', inputs: {} } } } }));
  assert.equal(unknown[0]?.path, 'dag.tasks.a.component');
  assert.match(unknown[0]?.message ?? '', /unknown component "cube".*square/);

  const missing = issuesOf(() => validateSpec({ ...base, dag: { tasks: { a: { kind: 'component', component: 'square', inputs: { x: { from: 'value', value: 'two' } } }, b: { kind: 'component', component: 'square' } } } }));
  assert.deepEqual(missing.map((i) => i.path), ['dag.tasks.a.inputs.x', 'dag.tasks.b.inputs']);
  assert.match(missing[0]?.message ?? '', /expected a number, got string/);

  const cycle = issuesOf(() =>
    validateSpec({
      ...base,
      dag: { tasks: { a: { kind: 'component', component: 'square', inputs: { x: { from: 'task', task: 'b', output: 'y' } } }, b: { kind: 'component', component: 'square', inputs: { x: { from: 'task', task: 'a', output: 'y' } } } } },
    }),
  );
  assert.match(cycle[0]?.message ?? '', /dependency cycle: a → b → a/);
  assert.equal(issuesOf(() => validateSpec({ ...base, specVersion: 'v0', dag: { tasks: {} } }))[0]?.path, 'specVersion');
});

test('run arguments: unknown, missing, mistyped and oversized parameters are rejected before a run', () => {
  const spec = demo.compile();
  assert.deepEqual(resolveRunParameters(spec, {}), { items: [1, 2, 3], publish: false });
  const issues = issuesOf(() => resolveRunParameters(spec, { items: 'x'.repeat(10), publish: 'yes', colour: 1 }));
  assert.deepEqual(issues.map((i) => i.path).sort(), ['parameters.colour', 'parameters.items', 'parameters.publish']);
  const big = issuesOf(() => resolveRunParameters(spec, { items: Array.from({ length: MAX_PARAM_BYTES / 2 }, () => 1) }));
  assert.match(big[0]?.message ?? '', /limited to 65536 bytes: pass large data as an artifact/);
});

test('DSL misuse fails early with a clear message', () => {
  assert.throws(() => component({ name: 'Bad_Name', run: { command: ['true'] } }), /component Bad_Name: name: use lowercase/);
  assert.throws(() => component({ name: 'x', inputs: { v: z.union([z.string(), z.number()]) }, run: { command: ['true'] } }), /single JSON type/);
  assert.throws(() => component({ name: 'x', run: { command: ['true'] }, timeout: '3 weeks' as '3d' }), /not a duration/);
  const inner = pipeline({ name: 'inner-x', params: { n: z.number() }, build: (p, b) => void b.task(square, { x: p.n }) });
  const leaking = pipeline({ name: 'leaking', params: { k: z.number() }, build: (p, b) => void b.task(inner, { n: p.k }).outputs });
  assert.doesNotThrow(() => leaking.compile());
  const dup = component({ name: 'square', run: { command: ['false'] } });
  const clash = pipeline({ name: 'clash', build: (_p, b) => void (b.task(square, { x: 1 }), b.task(dup, {})) });
  assert.throws(() => clash.compile(), PipelineDefinitionError);
});
