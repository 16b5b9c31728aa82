import { test } from 'node:test';
import assert from 'node:assert/strict';
import { connect } from '@nats-io/transport-node';
import { jetstream, jetstreamManager, AckPolicy } from '@nats-io/jetstream';
import { startTestNats, waitFor } from '../src/index.js';

test('JetStream publish/consume on a real server rejects a duplicate Nats-Msg-Id', async () => {
  await using nats = await startTestNats();
  assert.notEqual(nats.port, 4222, 'the harness must not use the default port');
  const nc = await connect({ servers: nats.url });
  try {
    const jsm = await jetstreamManager(nc);
    await jsm.streams.add({ name: 'T', subjects: ['t.>'], duplicate_window: 60_000_000_000 });
    const js = jetstream(nc);
    const first = await js.publish('t.a', 'one', { msgID: 'm-1' });
    const again = await js.publish('t.a', 'one again', { msgID: 'm-1' });
    const second = await js.publish('t.a', 'two', { msgID: 'm-2' });
    assert.equal(first.duplicate, false);
    assert.equal(again.duplicate, true, 'the server must flag the resend as a duplicate');
    assert.equal(again.seq, first.seq);
    assert.equal(second.seq, first.seq + 1);

    await jsm.consumers.add('T', { durable_name: 'reader', ack_policy: AckPolicy.Explicit });
    const consumer = await js.consumers.get('T', 'reader');
    const messages = await consumer.fetch({ max_messages: 10, expires: 1000 });
    const seen: string[] = [];
    for await (const m of messages) {
      seen.push(m.string());
      m.ack();
    }
    assert.deepEqual(seen, ['one', 'two']);
  } finally {
    await nc.close();
  }
});

test('a client reconnects after nats-server is killed and restarted on the same port', async () => {
  await using nats = await startTestNats();
  const nc = await connect({ servers: nats.url, reconnectTimeWait: 100, maxReconnectAttempts: -1 });
  try {
    const events: string[] = [];
    void (async () => {
      for await (const s of nc.status()) events.push(s.type);
    })();
    const jsm = await jetstreamManager(nc);
    await jsm.streams.add({ name: 'R', subjects: ['r.>'] });
    const js = jetstream(nc);
    await js.publish('r.x', 'before');

    const port = nats.port;
    await nats.kill();
    await waitFor('client to notice the disconnect', async () => (events.includes('disconnect') ? true : undefined), { timeoutMs: 10_000 });
    await nats.restart();
    assert.equal(nats.port, port, 'restart keeps the port so clients can come back');
    await waitFor('client to reconnect', async () => (events.includes('reconnect') ? true : undefined), { timeoutMs: 20_000 });

    await js.publish('r.x', 'after');
    const info = await jsm.streams.info('R');
    assert.equal(info.state.messages, 2, 'the stream survived the crash (file store) and took the new message');
  } finally {
    await nc.close();
  }
});
