import { test } from 'node:test';
import assert from 'node:assert/strict';
import { connect } from '@nats-io/transport-node';
import { jetstream, jetstreamManager, StorageType } from '@nats-io/jetstream';
import { streams, subjects, toCaptureTimeNs, type Caption } from '@signflow/core';
import { startTestNats, waitFor } from '@signflow/testkit';
import { CaptionsCommandError } from '../../src/live/errors.js';
import { followCaptions } from '../../src/live/follow.js';

function caption(kind: 'partial' | 'final', segment: string, index: number, label: string): Caption {
  const end = Date.now() - 120;
  return {
    v: 1, rig: 'desk', kind, segment, index, label, confidence: 0.8, alternatives: [],
    startCaptureTimeNs: toCaptureTimeNs(end - 800), endCaptureTimeNs: toCaptureTimeNs(end), frames: kind === 'final' ? 24 : 12,
    cameras: ['c0'], model: { name: 'signs', version: '4' }, emittedAtMs: Date.now(),
  };
}

test('signflow captions --follow prints kept finals, then a partial on the line and its final over it', async () => {
  await using nats = await startTestNats();
  const nc = await connect({ servers: nats.url });
  try {
    await (await jetstreamManager(nc)).streams.add({ name: streams.captions, subjects: [subjects.allCaptions], storage: StorageType.File });
    const js = jetstream(nc);
    await js.publish(subjects.captions('desk'), JSON.stringify(caption('partial', 'desk-1', 0, 'yo')));
    await js.publish(subjects.captions('desk'), JSON.stringify(caption('final', 'desk-1', 0, 'hoy')));
    let out = '';
    const controller = new AbortController();
    const done = followCaptions({ nc, rig: 'desk', follow: true, tty: true, write: (t) => (out += t), signal: controller.signal });
    await waitFor('the kept final', () => Promise.resolve(out.includes('#0 hoy') ? true : undefined), { timeoutMs: 5000 });
    await js.publish(subjects.captions('desk'), JSON.stringify(caption('partial', 'desk-2', 1, 'dolor')));
    await waitFor('the partial', () => Promise.resolve(out.includes('… dolor') ? true : undefined), { timeoutMs: 5000 });
    await js.publish(subjects.captions('desk'), JSON.stringify(caption('final', 'desk-2', 1, 'doctor')));
    await js.publish(subjects.captions('desk'), JSON.stringify(caption('final', 'desk-2', 1, 'doctor'))); // a repeat is not printed twice
    await waitFor('the final', () => Promise.resolve(out.includes('#1 doctor') ? true : undefined), { timeoutMs: 5000 });
    controller.abort();
    await done;
    // What the terminal shows: "\r ESC[2K" clears the line the partial was on.
    const lines = out.split('\n').map((l) => l.split('\r\x1b[2K').at(-1) ?? '');
    assert.match(lines[0] ?? '', /^#0 hoy {2}80% {2}model signs v4 {2}\d+ ms$/);
    assert.match(lines[1] ?? '', /^#1 doctor /);
    assert.equal(out.match(/#1 doctor/g)?.length, 1);
    assert.ok(out.indexOf('… dolor') < out.indexOf('#1 doctor'), 'the partial is shown before its final replaces it');
    assert.ok(!out.includes('… yo'), 'a kept partial whose final is kept is not shown');
  } finally {
    await nc.close();
  }
});

test('signflow captions rejects a rig that cannot be a subject token', async () => {
  await using nats = await startTestNats();
  const nc = await connect({ servers: nats.url });
  try {
    await assert.rejects(followCaptions({ nc, rig: 'a.b', follow: false, tty: false, write: () => undefined }), (err: unknown) => err instanceof CaptionsCommandError && /--rig "a\.b"/.test(err.message));
  } finally {
    await nc.close();
  }
});
