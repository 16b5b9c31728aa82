import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { join } from 'node:path';
import { connect, type Msg, type NatsConnection } from '@nats-io/transport-node';
import { jetstream, jetstreamManager } from '@nats-io/jetstream';
import { Kvm } from '@nats-io/kv';
import { Objm } from '@nats-io/obj';
import { ensureNatsAuth, generateNatsAuth, kvBuckets, loadConfig, natsServiceConnectOptions, natsUserConnectOptions, objectStores, openArtifactStore, parseNatsAuthSpec, subjects, type GeneratedNatsAuth } from '@signflow/core';
import { DatasetStore, NatsObjectBackend, importSource, openKeypointCsv, toTensorArrays } from '@signflow/datasets';
import { provisionNats, waitFor } from '@signflow/stack';
import { fixture, startTestNats, tempDir } from '@signflow/testkit';
import type { V1ConfigMap } from '@kubernetes/client-node';
import { localStepNatsEnv } from '../src/worker/store-env.js';
import { find, render } from './chart/helm.js';

/**
 * The `step` NATS user (core/src/auth/nats-permissions.ts) against a real nats-server: what a
 * `signflow-step` process does on NATS — the artifact store (files, directories, documents
 * rewritten each epoch, fetches), the dataset store (import, list, read back as arrays), run
 * metrics and model events — works without a single permission violation, while the live path
 * (frames, landmarks, captions, camera heartbeats), run events and the step logs are refused.
 */

/** Collects the permission violations the server reports to a connection. */
function violations(nc: NatsConnection): string[] {
  const seen: string[] = [];
  void (async () => {
    for await (const s of nc.status()) if (s.type === 'error') seen.push(String(s.error));
  })();
  return seen;
}

function userOptions(auth: GeneratedNatsAuth, name: string) {
  const user = auth.users.find((u) => u.name === name);
  assert.ok(user, name);
  return natsUserConnectOptions(user);
}

test('the step NATS user does a step’s whole job on its buckets and is refused the live path, run events and the step logs', { timeout: 120_000 }, async () => {
  await using dir = await tempDir('signflow-step-user-');
  const spec = parseNatsAuthSpec({ users: [{ kind: 'service', name: 'signflow' }, { kind: 'step', name: 'step' }] });
  const auth = generateNatsAuth(spec, join(dir.path, 'creds'), { anonymousProbe: false });
  await using nats = await startTestNats({ extraConfig: auth.config, probeConnectOptions: userOptions(auth, 'signflow') });
  const stepOptions = userOptions(auth, 'step');

  const service = await connect({ servers: nats.url, ...userOptions(auth, 'signflow') });
  const step = await connect({ servers: nats.url, ...stepOptions });
  const stepErrors = violations(step);
  const store = openArtifactStore(`nats://${objectStores.artifacts}`, { nats: { servers: nats.url, ...stepOptions }, cacheDir: join(dir.path, 'cache') });
  const workerStore = openArtifactStore(`nats://${objectStores.artifacts}`, { nats: { servers: nats.url, ...userOptions(auth, 'signflow') }, cacheDir: join(dir.path, 'worker-cache') });
  let datasets: DatasetStore | undefined;
  try {
    await provisionNats(service); // the live streams and the camera bucket, as `signflow up` / the chart's hook make them
    const received: string[] = [];
    for (const subject of [subjects.allRunMetrics, subjects.allModelEvents, subjects.allFrames, subjects.allLandmarks, subjects.allCaptions, subjects.allRuns]) {
      service.subscribe(subject, { callback: (_err, m: Msg) => void received.push(`${subject} ${m.subject}: ${m.string()}`) });
    }
    await service.flush();

    // artifacts: the step is the first to open the bucket (it creates it and the logs stream)
    const weights = join(dir.path, 'weights.bin');
    await writeFile(weights, Buffer.alloc(8 * 1024 * 1024, 7)); // many chunks: the read needs flow control
    const modelDir = join(dir.path, 'model');
    await mkdir(modelDir);
    await writeFile(join(modelDir, 'model.json'), '{"format":"layers-model"}');
    await writeFile(join(modelDir, 'group1-shard1of1.bin'), Buffer.alloc(1024, 3));
    const file = await store.put(weights, 'model');
    const directory = await store.put(modelDir, 'model');
    const report = await store.putBytes('{"accuracy":0.9}', 'metrics');
    for (const epoch of [1, 2, 3]) await store.writeJson('runs/r1/train/metrics.json', [{ epoch }]); // rewritten each epoch
    assert.deepEqual(await store.readJson('runs/r1/train/metrics.json'), [{ epoch: 3 }]);
    assert.deepEqual(await readFile(await store.localPath(file)), await readFile(weights));
    assert.equal(await readFile(join(await store.localPath(directory), 'model.json'), 'utf8'), '{"format":"layers-model"}');
    assert.ok(await store.exists(report));
    assert.ok(await workerStore.exists(file), 'the worker reads what the step stored');
    // a rewritten document's old chunks are purged: every chunk in the stream belongs to a live object
    const objects = await (await new Objm(service).open(objectStores.artifacts)).list();
    const chunked = objects.filter((o) => !o.deleted && o.chunks > 0).map((o) => `$O.${objectStores.artifacts}.C.${o.nuid}`);
    const stream = await (await jetstreamManager(service)).streams.info(`OBJ_${objectStores.artifacts}`, { subjects_filter: `$O.${objectStores.artifacts}.C.>` });
    assert.deepEqual(Object.keys(stream.state.subjects ?? {}).sort(), chunked.sort(), 'no orphaned chunks');

    // datasets: an import, the version listing and the arrays training reads
    const rows = (await readFile(fixture('kazuhito-hand-gesture', 'keypoint.csv'), 'utf8')).split('\n').filter((line, i) => line && i % 60 === 0);
    const csv = join(dir.path, 'keypoint.csv');
    await writeFile(csv, `${rows.join('\n')}\n`);
    datasets = new DatasetStore(await NatsObjectBackend.connect({ servers: nats.url, bucket: objectStores.datasets, connectOptions: stepOptions }));
    const version = await importSource(await openKeypointCsv(csv, { labelsFile: fixture('kazuhito-hand-gesture', 'keypoint_classifier_label.csv') }), { store: datasets, name: 'gestures' });
    assert.ok((await datasets.list()).some((v) => v.id === version.id));
    const arrays = await toTensorArrays(`gestures@${version.id}`, {}, { store: datasets });
    assert.equal(arrays.y.length, version.manifest.sampleCount);

    // progress: per-epoch metrics of its run and the registry's model events reach the services
    step.publish(subjects.runMetrics('r1'), JSON.stringify({ epoch: 1, loss: 0.5 }));
    step.publish(subjects.modelEvents('sign-recognition'), JSON.stringify({ stage: 'production' }));
    await waitFor('the metrics and the model event', async () => (received.length >= 2 ? true : undefined), { timeoutMs: 5000 });
    assert.equal(stepErrors.length, 0, `the whole job runs without a permission violation: ${stepErrors.join('; ')}`);

    // refused: frames, landmarks, captions, run events, camera heartbeats, the step logs, the live path
    step.publish(subjects.frames('rig', 'cam0'), 'spoofed frame');
    step.publish(subjects.landmarks('rig', 'cam0'), 'spoofed landmarks');
    step.publish(subjects.captions('rig'), 'HELLO spoofed');
    step.publish(subjects.runEvents('r1'), 'cancel');
    const kv = await new Kvm(jetstream(step, { timeout: 2000 })).open(kvBuckets.cameras);
    await assert.rejects(kv.put('rig.cam0', '{"alive":true}'));
    await assert.rejects(store.appendLog('runs/r1/train/log', 'forged line\n'));
    const captions = step.subscribe(subjects.captions('rig'));
    assert.match(String(await captions.closed), /Permissions Violation for Subscription to "signflow\.captions\.rig"/);
    for (const subject of [subjects.frames('rig', 'cam0'), subjects.landmarks('rig', 'cam0'), subjects.captions('rig'), subjects.runEvents('r1'), `$KV.${kvBuckets.cameras}.rig.cam0`]) {
      await waitFor(`the violation on ${subject}`, async () => (stepErrors.some((e) => e.includes(`Publish to "${subject}"`)) ? true : undefined), { timeoutMs: 5000 });
    }
    await service.flush();
    assert.deepEqual(received.sort(), [
      `${subjects.allModelEvents} signflow.models.sign-recognition.events: {"stage":"production"}`,
      `${subjects.allRunMetrics} signflow.runs.r1.metrics: {"epoch":1,"loss":0.5}`,
      `${subjects.allRuns} signflow.runs.r1.metrics: {"epoch":1,"loss":0.5}`,
    ]);
    const heartbeats = await new Kvm(service).open(kvBuckets.cameras);
    assert.equal(await heartbeats.get('rig.cam0'), null, 'no heartbeat written');

    // the worker, not the step, writes the step log
    await workerStore.appendLog('runs/r1/train/log', 'epoch 1\n');
    assert.equal((await workerStore.readLog('runs/r1/train/log'))?.text, 'epoch 1\n');
  } finally {
    await datasets?.close();
    await store.close?.();
    await workerStore.close?.();
    await Promise.all([service.close(), step.close()]);
  }
});

test('steps of the local executor get the step user’s seed from `signflow up`’s data dir, unless nats.credentials is configured or NATS users are off', async () => {
  await using dir = await tempDir('signflow-step-env-');
  const config = loadConfig({ env: {}, overrides: { dataDir: dir.path } }).config;
  assert.deepEqual(localStepNatsEnv(config), {}, 'no users generated yet');
  const step = ensureNatsAuth(config)?.users.find((u) => u.name === 'step');
  assert.ok(step);
  assert.deepEqual(localStepNatsEnv(config), { SIGNFLOW_NATS_CREDENTIALS: step.seedFile });
  assert.deepEqual(localStepNatsEnv({ ...config, nats: { ...config.nats, credentials: '/etc/signflow/ci.nk' } }), {}, 'configured credentials reach steps through storesStepEnv');
});

test('the chart’s nats.conf on a real nats-server: its step user stores and reads artifacts and publishes metrics, and is refused frames and run events', { timeout: 60_000 }, async () => {
  const conf = find<V1ConfigMap>(render(), 'ConfigMap', 'demo-signflow-nats').data?.['nats.conf'] ?? '';
  const block = conf.slice(conf.indexOf('authorization {'));
  assert.match(block, /^authorization \{/);
  // the pod gets the passwords from Secrets through these variables
  const passwords: Record<string, string> = { SIGNFLOW_NATS_PASSWORD: 'service-pw', SIGNFLOW_NATS_STEP_PASSWORD: 'step-pw', SIGNFLOW_NATS_OPERATOR_PASSWORD: 'operator-pw', SIGNFLOW_NATS_VIEWER_PASSWORD: 'viewer-pw' };
  const authorization = block.replace(/password: \$([A-Z_]+)/g, (_m, name: string) => `password: ${JSON.stringify(passwords[name] ?? assert.fail(`no password for ${name}`))}`);
  const serviceOptions = { user: 'signflow', pass: 'service-pw' };
  await using nats = await startTestNats({ extraConfig: authorization, probeConnectOptions: serviceOptions });
  await using dir = await tempDir('signflow-chart-step-');
  const service = await connect({ servers: nats.url, ...serviceOptions });
  const step = await connect({ servers: nats.url, user: 'step', pass: 'step-pw' });
  const stepErrors = violations(step);
  const store = openArtifactStore(`nats://${objectStores.artifacts}`, { nats: { servers: nats.url, user: 'step', pass: 'step-pw' }, cacheDir: join(dir.path, 'cache') });
  try {
    const received: string[] = [];
    service.subscribe(subjects.allRuns, { callback: (_err, m: Msg) => void received.push(`${m.subject}: ${m.string()}`) });
    service.subscribe(subjects.allFrames, { callback: (_err, m: Msg) => void received.push(`${m.subject}: ${m.string()}`) });
    await service.flush();
    const ref = await store.putBytes('{"accuracy":0.9}', 'metrics');
    assert.equal(await readFile(await store.localPath(ref), 'utf8'), '{"accuracy":0.9}');
    for (const epoch of [1, 2]) await store.writeJson('runs/r1/train/metrics.json', [{ epoch }]);
    assert.deepEqual(await store.readJson('runs/r1/train/metrics.json'), [{ epoch: 2 }]);
    step.publish(subjects.runMetrics('r1'), '{"epoch":1}');
    step.publish(subjects.frames('studio-a', 'cam0'), 'spoofed');
    step.publish(subjects.runEvents('r1'), 'cancel');
    for (const subject of [subjects.frames('studio-a', 'cam0'), subjects.runEvents('r1')]) {
      await waitFor(`the violation on ${subject}`, async () => (stepErrors.some((e) => e.includes(`Publish to "${subject}"`)) ? true : undefined), { timeoutMs: 5000 });
    }
    await waitFor('the metrics', async () => (received.length > 0 ? true : undefined), { timeoutMs: 5000 });
    await service.flush();
    assert.deepEqual(received, ['signflow.runs.r1.metrics: {"epoch":1}']);
    assert.equal(stepErrors.length, 2, stepErrors.join('; '));
  } finally {
    await store.close?.();
    await Promise.all([service.close(), step.close()]);
  }
});

const stepBin = fileURLToPath(new URL('../bin/signflow-step', import.meta.url));

/** Runs `signflow-step <name>` as the local executor would, with `env` over a clean environment. */
function runStep(name: string, env: Record<string, string>): Promise<{ code: number | null; stderr: string }> {
  const base = Object.fromEntries(Object.entries(process.env).filter(([key]) => !key.startsWith('SIGNFLOW_')));
  const child = spawn(process.execPath, [stepBin, name], { env: { ...base, ...env }, stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
  return new Promise((resolve) => child.once('exit', (code) => resolve({ code, stderr })));
}

test('a signflow-step process of the local stack runs as the step user: it reads and stores artifacts in its bucket, and cannot open another', { timeout: 120_000 }, async () => {
  await using dir = await tempDir('signflow-step-process-');
  const config = loadConfig({ env: {}, overrides: { dataDir: dir.path } }).config;
  const auth = ensureNatsAuth(config); // what `signflow up` does
  assert.ok(auth);
  await using nats = await startTestNats({ extraConfig: auth.config, probeConnectOptions: natsServiceConnectOptions(dir.path) });
  const worker = openArtifactStore(`nats://${objectStores.artifacts}`, { nats: { servers: nats.url, ...natsServiceConnectOptions(dir.path) }, cacheDir: join(dir.path, 'worker-cache') });
  try {
    const input = await worker.putBytes('some model bytes', 'model');
    await writeFile(join(dir.path, 'inputs.json'), JSON.stringify({ parameters: { label: 'x' }, artifacts: { artifact: input } }));
    await mkdir(join(dir.path, 'work'));
    const env = (store: string) => ({
      SIGNFLOW_DATA_DIR: dir.path,
      SIGNFLOW_NATS_URL: nats.url,
      ...localStepNatsEnv(config),
      SIGNFLOW_ARTIFACT_STORE: store,
      SIGNFLOW_STEP_INPUTS: join(dir.path, 'inputs.json'),
      SIGNFLOW_STEP_OUTPUTS: join(dir.path, 'outputs.json'),
      SIGNFLOW_STEP_WORKDIR: join(dir.path, 'work'),
    });
    const ok = await runStep('builtin.describe', env(`nats://${objectStores.artifacts}`));
    assert.equal(ok.code, 0, ok.stderr);
    const outputs = JSON.parse(await readFile(join(dir.path, 'outputs.json'), 'utf8')) as { artifacts: { report: { uri: string; sha256: string } } };
    assert.match(outputs.artifacts.report.uri, /^nats:\/\/signflow_artifacts\/sha256\//);
    const report = JSON.parse(await readFile(await worker.localPath({ ...outputs.artifacts.report, kind: 'metrics', sizeBytes: 0, metadata: {} }), 'utf8')) as { sha256: string };
    assert.equal(report.sha256, input.sha256, 'the step read its input and stored its report');

    // the same step on a bucket the step user was not given: refused (the services' user could)
    const elsewhere = { ...input, uri: input.uri.replace(`nats://${objectStores.artifacts}/`, 'nats://someone_elses_bucket/') };
    await writeFile(join(dir.path, 'inputs.json'), JSON.stringify({ parameters: { label: 'x' }, artifacts: { artifact: elsewhere } }));
    const refused = await runStep('builtin.describe', env('nats://someone_elses_bucket'));
    assert.equal(refused.code, 1, refused.stderr);
    assert.match(refused.stderr, /someone_elses_bucket.*cannot open[^\n]*Permissions Violation/);
  } finally {
    await worker.close?.();
  }
});
