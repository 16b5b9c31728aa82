import { test } from 'node:test';
import assert from 'node:assert/strict';
import { z } from 'zod';
import {
  checkResourceArguments,
  component,
  effectiveResources,
  parseGpuValue,
  pipeline,
  PipelineDefinitionError,
  PipelineSpecError,
  RunArgumentsError,
  signRecognition,
  validateSpec,
} from '../src/index.js';

const trainer = component({ name: 'trainer', run: { command: ['true'] }, resources: { cpu: '2', memory: '4Gi', gpu: 1 } });
const prep = component({ name: 'prep', run: { command: ['true'] } });

const gpuPipeline = pipeline({
  name: 'gpu-choice',
  params: { gpu: z.string().default('none'), cpu: z.string().optional() },
  build: (p, b) => {
    const first = b.task(prep, {});
    b.task(trainer, {}, { name: 'train', resources: { gpu: p.gpu, cpu: p.cpu, memory: '8Gi' } }).after(first);
  },
});

function issuesOf(fn: () => unknown): { path: string; message: string }[] {
  try {
    fn();
  } catch (err) {
    if (err instanceof PipelineSpecError || err instanceof RunArgumentsError) return [...err.issues];
    throw err;
  }
  assert.fail('expected a rejection');
}

test('a task whose GPU is bound to a pipeline parameter compiles to a param binding', () => {
  const spec = gpuPipeline.compile();
  const train = spec.dag.tasks['train'];
  assert.ok(train?.kind === 'component');
  assert.deepEqual(train.resources, { gpu: { from: 'param', name: 'gpu' }, cpu: { from: 'param', name: 'cpu' }, memory: { from: 'value', value: '8Gi' } });
  assert.equal(spec.dag.tasks['prep']?.kind === 'component' && spec.dag.tasks['prep'].resources, undefined, 'tasks without an override carry none');
  assert.deepEqual(validateSpec(JSON.parse(JSON.stringify(spec))), spec, 'round-trips through JSON');
});

test('fixed task resources compile to value bindings in the spec form', () => {
  const fixed = pipeline({
    name: 'fixed-gpu',
    build: (_p, b) => {
      b.task(trainer, {}, { name: 'a', resources: { gpu: { deviceClass: 'gpu.nvidia.com', count: 2 } } });
      b.task(trainer, {}, { name: 'b', resources: { gpu: 'none', cpu: 4 } });
    },
  }).compile();
  const a = fixed.dag.tasks['a'];
  const b = fixed.dag.tasks['b'];
  assert.ok(a?.kind === 'component' && b?.kind === 'component');
  assert.deepEqual(a.resources?.gpu, { from: 'value', value: { kind: 'dra', deviceClassName: 'gpu.nvidia.com', count: 2 } });
  assert.deepEqual(b.resources, { gpu: { from: 'value', value: 'none' }, cpu: { from: 'value', value: '4' } });
});

test('the sign-recognition train step takes its GPU from the gpu parameter (default none)', () => {
  const spec = signRecognition.compile();
  assert.equal(spec.parameters['gpu']?.default, 'none');
  const train = spec.dag.tasks['train'];
  assert.ok(train?.kind === 'component');
  assert.deepEqual(train.resources, { gpu: { from: 'param', name: 'gpu' } });
  const comp = spec.components['train'];
  assert.ok(comp);
  assert.deepEqual(effectiveResources(comp.resources, train.resources, { gpu: 'none' }), { resources: { cpu: '2', memory: '4Gi' } });
});

test('GPU values resolve: none, null, counts, dra strings and spec objects', () => {
  assert.equal(parseGpuValue('none'), null);
  assert.equal(parseGpuValue(null), null);
  assert.deepEqual(parseGpuValue(2), { kind: 'count', count: 2 });
  assert.deepEqual(parseGpuValue('3'), { kind: 'count', count: 3 });
  assert.deepEqual(parseGpuValue('dra:gpu.nvidia.com:1'), { kind: 'dra', deviceClassName: 'gpu.nvidia.com', count: 1 });
  assert.deepEqual(parseGpuValue({ kind: 'count', count: 4, resourceName: 'amd.com/gpu' }), { kind: 'count', count: 4, resourceName: 'amd.com/gpu' });
  const dra = { kind: 'dra', deviceClassName: 'gpu.nvidia.com', count: 2, selectors: ['device.attributes["gpu.nvidia.com"].productName == "NVIDIA L4"'] };
  assert.deepEqual(parseGpuValue(dra), dra);
});

test('invalid GPU values are rejected with the accepted forms', () => {
  for (const bad of [0, -1, 1.5, 65, 'two', 'dra:gpu.nvidia.com', 'dra::1', 'dra:gpu.nvidia.com:0', true, [], { kind: 'count' }, { kind: 'dra', count: 1 }, { kind: 'tpu', count: 1 }, { kind: 'count', count: 1, extra: 1 }]) {
    const r = parseGpuValue(bad);
    assert.ok(r !== null && 'error' in r, `${JSON.stringify(bad)} is rejected`);
    assert.match(r.error, /GPU|count/);
  }
});

test('effective resources merge the override into the component and name the parameter on errors', () => {
  const comp = { cpu: '2', memory: '4Gi', gpu: { kind: 'count' as const, count: 1 } };
  const override = { gpu: { from: 'param' as const, name: 'gpu' }, cpu: { from: 'param' as const, name: 'cpu' } };
  assert.deepEqual(effectiveResources(comp, override, { gpu: 2 }), { resources: { cpu: '2', memory: '4Gi', gpu: { kind: 'count', count: 2 } } }, 'an unset optional parameter keeps the component value');
  assert.deepEqual(effectiveResources(comp, override, { gpu: 'none', cpu: '500m' }), { resources: { cpu: '500m', memory: '4Gi' } });
  const bad = effectiveResources(comp, override, { gpu: 'lots' });
  assert.ok('error' in bad);
  assert.equal(bad.field, 'gpu');
  assert.match(bad.error, /resources\.gpu from parameter "gpu": "lots" is not a GPU request/);
  const badCpu = effectiveResources(comp, override, { gpu: 1, cpu: 'fast' });
  assert.ok('error' in badCpu);
  assert.match(badCpu.error, /resources\.cpu from parameter "cpu": "fast" is not a cpu quantity/);
});

test('run arguments choosing an invalid GPU fail at submit naming the parameter and the task', () => {
  const spec = gpuPipeline.compile();
  checkResourceArguments(spec, { gpu: 'dra:gpu.nvidia.com:1' });
  const issues = issuesOf(() => checkResourceArguments(spec, { gpu: 'dra:gpu.nvidia.com' }));
  assert.equal(issues.length, 1);
  assert.equal(issues[0]?.path, 'parameters.gpu');
  assert.match(issues[0]?.message ?? '', /^task train: resources\.gpu from parameter "gpu": "dra:gpu\.nvidia\.com" is not a GPU request/);
});

test('the spec rejects resource bindings other than values and parameters, and bad fixed values', () => {
  const spec = gpuPipeline.compile() as unknown as { dag: { tasks: Record<string, Record<string, unknown>> }; parameters: Record<string, Record<string, unknown>> };
  const copy = JSON.parse(JSON.stringify(spec)) as typeof spec;
  const train = copy.dag.tasks['train'];
  assert.ok(train);
  train['resources'] = { gpu: { from: 'task', task: 'prep', output: 'x' }, memory: { from: 'value', value: 'lots' } };
  const issues = issuesOf(() => validateSpec(copy));
  assert.deepEqual(issues.map((i) => i.path).sort(), ['dag.tasks.train.resources.gpu.from', 'dag.tasks.train.resources.memory']);
  assert.match(issues.find((i) => i.path.endsWith('gpu.from'))?.message ?? '', /value or a pipeline parameter/);

  const badDefault = JSON.parse(JSON.stringify(spec)) as typeof spec;
  const gpuParam = badDefault.parameters['gpu'];
  assert.ok(gpuParam);
  gpuParam['default'] = 'many';
  const d = issuesOf(() => validateSpec(badDefault));
  assert.equal(d[0]?.path, 'dag.tasks.train.resources.gpu (default of parameter "gpu")');
  assert.match(d[0]?.message ?? '', /task train: "many" is not a GPU request/);

  const unknownParam = JSON.parse(JSON.stringify(spec)) as typeof spec;
  const t = unknownParam.dag.tasks['train'];
  assert.ok(t);
  t['resources'] = { gpu: { from: 'param', name: 'accelerator' } };
  assert.equal(issuesOf(() => validateSpec(unknownParam))[0]?.path, 'dag.tasks.train.resources.gpu.name');
});

test('resources on a nested pipeline task are a definition error', () => {
  const inner = pipeline({ name: 'inner', build: (_p, b) => void b.task(prep, {}) });
  const outer = pipeline({
    name: 'outer',
    build: (_p, b) => {
      // @ts-expect-error resources apply to component tasks only
      b.task(inner, {}, { resources: { gpu: 1 } });
    },
  });
  assert.throws(() => outer.compile(), (err: unknown) => err instanceof PipelineDefinitionError && /resources belong to component tasks/.test(err.message));
});
