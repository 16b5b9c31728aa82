import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { jetstream, jetstreamManager } from '@nats-io/jetstream';
import { captionSchema, streams, subjects, toCaptureTimeNs, type Caption } from '@signflow/core';
import { startTestNats, tempDir, type TempDir, type TestNats } from '@signflow/testkit';
import { DatasetStore } from '@signflow/datasets';
import { ModelRegistry } from '../../src/registry/registry.js';
import { DirectoryStore } from '../../src/training/store.js';
import { registryModelSource } from '../../src/transcriber/registry-source.js';
import { mslFrameToPacket, replaySigns, type RecordedSign } from '../../src/transcriber/replay.js';
import { startTranscriber } from '../../src/transcriber/transcriber.js';
import { importFixture, trainAndRegister } from './fixture-model.js';
import { collectCaptions, mslSets, natsConnection, until } from './helpers.js';

let nats: TestNats;
let dir: TempDir;
let store: DirectoryStore;
let datasets: DatasetStore;
let live: RecordedSign[];

before(async () => {
  nats = await startTestNats();
  dir = await tempDir();
  store = new DirectoryStore(`${dir.path}/artifacts`);
  datasets = DatasetStore.local(dir.path);
  live = (await mslSets()).live;
  // Two versions of the production model (different seeds): MSL-150 imported into a dataset
  // version, trained by the training job on its first 10 sequences of each sign, registered
  // with the dataset version as lineage (the package's feature spec comes from it).
  const datasetId = await importFixture(datasets);
  for (const seed of [7, 11]) await trainAndRegister({ store, datasets, datasetId, name: 'sign-recognition', seed });
  await new ModelRegistry(store).promote('sign-recognition', 1, 'production');
});

after(async () => {
  await dir[Symbol.asyncDispose]();
  await nats[Symbol.asyncDispose]();
});

function openRegistry(events?: { publish(subject: string, data: Uint8Array): void }): ModelRegistry {
  return new ModelRegistry(store, events);
}

test('replayed signs give partials, then exactly one final each with the capture times of their frames; garbage is counted, not fatal', async (t) => {
  await using nc = await natsConnection(nats.url);
  const rig = 'rig-a';
  const seen = await collectCaptions(nc, subjects.captions(rig));
  await using transcriber = await startTranscriber({ nc, models: registryModelSource({ nc, registry: openRegistry(), store, model: 'sign-recognition', datasets }) }, { rig });
  const js = jetstream(nc);
  // Garbage before the signs: not JSON, JSON of the wrong shape, a packet of another rig.
  await js.publish(subjects.landmarks(rig, 'cam0'), 'not json at all');
  await js.publish(subjects.landmarks(rig, 'cam0'), JSON.stringify({ rig, seq: -1 }));
  const firstFrame = live[0]?.frames[0];
  assert.ok(firstFrame);
  await js.publish(subjects.landmarks(rig, 'cam0'), JSON.stringify(mslFrameToPacket(firstFrame, { rig: 'other', camera: 'cam0', seq: 0, captureTimeNs: toCaptureTimeNs(Date.now()) })));
  const replayed = await replaySigns({ nc, rig, signs: live });

  await until('a final caption per sign', () => seen.finals().length >= replayed.length, 15_000);
  const finals = seen.finals();
  assert.equal(finals.length, replayed.length);
  assert.deepEqual(
    finals.map((f) => f.index),
    replayed.map((_, i) => i),
  );
  let correct = 0;
  finals.forEach((final, i) => {
    const sign = replayed[i];
    assert.ok(sign);
    if (final.label === sign.label) correct++;
    assert.equal(final.startCaptureTimeNs, sign.firstFrameCaptureNs);
    assert.equal(final.endCaptureTimeNs, sign.lastFrameCaptureNs);
    assert.deepEqual(final.model, { name: 'sign-recognition', version: '1' });
    assert.deepEqual(final.cameras, ['cam0']);
    const partials = seen.captions.filter((c) => c.kind === 'partial' && c.segment === final.segment);
    assert.ok(partials.length >= 1, `sign ${i} had partial captions while under way`);
    assert.ok(seen.captions.indexOf(partials[0] as Caption) < seen.captions.indexOf(final), 'partials come before the final');
  });
  t.diagnostic(`${correct}/${finals.length} unseen signs recognised`);
  assert.ok(correct >= 4, `${correct}/${finals.length} signs recognised`);
  const stats = transcriber.stats();
  assert.equal(stats.garbage, 3);
  assert.equal(stats.finals, replayed.length);

  // The captions stream keeps them for replay.
  const jsm = await jetstreamManager(nc);
  const stored = await jsm.streams.getMessage(streams.captions, { last_by_subj: subjects.captions(rig) });
  assert.equal(captionSchema.parse(stored?.json()).segment, finals.at(-1)?.segment);
});

test('a restart in the middle of a sign resumes from the durable position: no final lost or repeated', async () => {
  await using nc = await natsConnection(nats.url);
  const rig = 'rig-b';
  const seen = await collectCaptions(nc, subjects.captions(rig));
  const js = jetstream(nc);
  let seq = 0;
  const t0 = Date.now();
  const publish = async (frames: readonly Float64Array[], withoutHands: boolean): Promise<void> => {
    for (const frame of frames) {
      const captureTimeNs = toCaptureTimeNs(t0 + seq * 33.3);
      await js.publish(subjects.landmarks(rig, 'cam0'), JSON.stringify(mslFrameToPacket(frame, { rig, camera: 'cam0', seq, captureTimeNs, withoutHands })));
      seq++;
    }
  };
  const [a, b, c] = live;
  assert.ok(a && b && c);
  const rest = (sign: RecordedSign): Float64Array[] => Array.from({ length: 8 }, () => sign.frames[0] ?? new Float64Array(226));
  const models = () => registryModelSource({ nc, registry: openRegistry(), store, model: 'sign-recognition', datasets });

  const first = await startTranscriber({ nc, models: models() }, { rig });
  await publish(rest(a), true);
  await publish(a.frames, false);
  await publish(rest(a), true);
  await publish(b.frames.slice(0, 15), false); // sign b under way...
  await until('final of a, partial of b', () => seen.finals().length === 1 && seen.captions.some((x) => x.kind === 'partial' && x.index === 1), 15_000);
  await first.stop(); // ...when the transcriber stops

  await publish(b.frames.slice(15), false);
  await publish(rest(b), true);
  await publish(c.frames, false);
  await publish(rest(c), true);
  await using second = await startTranscriber({ nc, models: models() }, { rig });
  await until('finals of b and c after the restart', () => seen.finals().length >= 3, 15_000);
  // Let anything extra arrive: the stream and the consumer are idle once the second transcriber has acked everything.
  await until('all packets acknowledged', async () => (await (await jetstreamManager(nc)).consumers.info(streams.landmarks, `transcriber-${rig}`)).num_ack_pending === 0, 10_000);
  const finals = seen.finals();
  assert.deepEqual(
    finals.map((f) => f.index),
    [0, 1, 2],
  );
  assert.equal(new Set(finals.map((f) => f.segment)).size, 3);
  // Sign b's final covers all its frames, including those seen before the restart.
  assert.equal(finals[1]?.frames, b.frames.filter((f) => f.some((v, i) => i >= 100 && v !== 0)).length);
  assert.equal(second.stats().finals, 2);
});

test('a promotion swaps the model between packets: every sign gets exactly one final, old model before, new after', async () => {
  await using nc = await natsConnection(nats.url);
  const rig = 'rig-c';
  const seen = await collectCaptions(nc, subjects.captions(rig));
  await using transcriber = await startTranscriber({ nc, models: registryModelSource({ nc, registry: openRegistry(), store, model: 'sign-recognition', datasets }) }, { rig });
  const signs = [...live, ...live];
  const replay = replaySigns({ nc, rig, signs, restFrames: 8 });
  await until('three finals before the promotion', () => seen.finals().length >= 3, 20_000);
  await openRegistry(nc).promote('sign-recognition', 2, 'production');
  await replay;
  await until('a final per sign', () => seen.finals().length >= signs.length, 20_000);
  const finals = seen.finals();
  assert.equal(finals.length, signs.length);
  assert.deepEqual(
    finals.map((f) => f.index),
    signs.map((_, i) => i),
  );
  assert.equal(new Set(finals.map((f) => f.segment)).size, signs.length);
  const versions = finals.map((f) => f.model.version);
  const firstNew = versions.indexOf('2');
  assert.ok(firstNew >= 3, `v2 first used at final ${firstNew}: ${versions.join(',')}`);
  assert.ok(
    versions.slice(firstNew).every((v) => v === '2'),
    versions.join(','),
  );
  assert.ok(
    versions.slice(0, firstNew).every((v) => v === '1'),
    versions.join(','),
  );
  assert.equal(transcriber.stats().model.version, '2');
  await openRegistry(nc).promote('sign-recognition', 1, 'production'); // leave v1 in production for other tests
  await until('v1 back', () => transcriber.stats().model.version === '1', 10_000);
});
