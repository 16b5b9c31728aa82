import { test } from 'node:test';
import assert from 'node:assert/strict';
import { connect } from '@nats-io/transport-node';
import * as tf from '@tensorflow/tfjs';
import { subjects } from '@signflow/core';
import { startTestNats, tempDir, waitFor } from '@signflow/testkit';
import { DirectoryStore } from '../src/training/store.js';
import { ModelRegistry, modelEventSchema, type ModelEvent } from '../src/registry/registry.js';
import { RegistryError } from '../src/training/errors.js';
import { buildModel, disposeModel } from '../src/training/models.js';
import { saveModel, exportModelDirectory } from '../src/training/model-io.js';
import { loadModelVersion, savePreprocessing } from '../src/inference/model-package.js';
import { predictStream } from '../src/inference/batch.js';
import { parseTrainParams } from '../src/training/params.js';

async function registerOne(registry: ModelRegistry, store: DirectoryStore, seed: number) {
  const params = parseTrainParams({ model: { architecture: 'gru', units: 8, seed } });
  const model = buildModel(params.model, { frames: 6, features: 4, classes: 3 });
  const stored = await saveModel(store, model);
  disposeModel(model);
  const preprocessing = await savePreprocessing(store, { classNames: ['a', 'b', 'c'], frames: 6, features: 4, architecture: 'gru' });
  return registry.register('greetings', { model: stored, preprocessing, lineage: { datasetVersion: 'ds@1', runId: `run-${seed}`, params, metrics: { accuracy: 0.9 }, backend: tf.getBackend() } });
}

test('registry: versions with lineage, promote and rollback publish model events on NATS', async () => {
  await using nats = await startTestNats();
  await using dir = await tempDir();
  const nc = await connect({ servers: nats.url });
  try {
    const events: ModelEvent[] = [];
    const sub = nc.subscribe(subjects.modelEvents('greetings'));
    void (async () => {
      for await (const m of sub) events.push(modelEventSchema.parse(m.json()));
    })();
    await nc.flush();
    const store = new DirectoryStore(dir.path);
    const registry = new ModelRegistry(store, nc);
    const v1 = await registerOne(registry, store, 1);
    const v2 = await registerOne(registry, store, 2);
    assert.deepEqual([v1.version, v2.version, v1.stage], [1, 2, 'none']);
    assert.equal((await registry.get('greetings', 2)).lineage.runId, 'run-2');

    await registry.promote('greetings', 1, 'production');
    await registry.promote('greetings', 2, 'production');
    assert.deepEqual((await registry.list('greetings')).map((v) => v.stage), ['archived', 'production']);
    const back = await registry.rollback('greetings');
    assert.deepEqual([back.version, back.previous], [1, 2]);
    assert.equal((await registry.get('greetings')).version, 1, 'production is v1 again');
    await assert.rejects(registry.get('nope'), (err: unknown) => err instanceof RegistryError && /greetings/.test(err.message));

    await waitFor('three events', async () => (events.length === 3 ? true : undefined), { timeoutMs: 5000 });
    assert.deepEqual(events.map((e) => [e.type, e.version, e.previous]), [['promoted', 1, undefined], ['promoted', 2, 1], ['rolled_back', 1, 2]]);

    const exported = await exportModelDirectory(store, (await registry.get('greetings')).model, `${dir.path}/export`);
    assert.deepEqual(exported, ['model.json', 'weights.bin']);
    const loaded = await loadModelVersion(store, await registry.get('greetings'));
    const stream = { id: 'clip', x: new Float32Array(20 * 4).fill(0.5), frames: 20, fps: 10 };
    const predictions = await predictStream(loaded, stream, 5);
    assert.equal(predictions.length, 3);
    assert.deepEqual(predictions.map((p) => [p.id, p.start, p.end]), [['clip@0', 0, 0.6], ['clip@5', 0.5, 1.1], ['clip@10', 1, 1.6]]);
    assert.ok(predictions.every((p) => ['a', 'b', 'c'].includes(p.label) && p.confidence > 0 && p.confidence <= 1));
    disposeModel(loaded.model);
  } finally {
    await nc.close();
  }
});
