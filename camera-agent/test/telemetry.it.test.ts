import { test } from 'node:test';
import assert from 'node:assert/strict';
import { jetstreamManager } from '@nats-io/jetstream';
import { InMemorySpanExporter } from '@opentelemetry/sdk-trace-base';
import { setupTracing, streams, subjects, traceIdOf } from '@signflow/core';
import { startTestNats, tempDir, waitFor } from '@signflow/testkit';
import { startAgent } from '../src/index.js';
import { serveAgentMetrics } from '../src/metrics.js';
import { makeRig, testsrcCamera, testTimeout, withConnection } from './helpers.js';

/** The value of the one series of `name` whose labels include `labels`. */
function sample(body: string, name: string, labels: string): number | undefined {
  const line = body.split('\n').find((l) => l.startsWith(`${name}{`) && l.includes(labels));
  return line === undefined ? undefined : Number(line.slice(line.lastIndexOf(' ') + 1));
}

test('the agent serves /metrics (frames, drops, buffer, fps per camera) and publishes frames in PRODUCER spans with traceparent', testTimeout, async () => {
  const exporter = new InMemorySpanExporter();
  await using _tracing = setupTracing({ serviceName: 'camera-agent-test', exporter });
  await using nats = await startTestNats();
  await using state = await tempDir();
  const agent = await startAgent({ rig: makeRig([testsrcCamera('cam0')]), servers: nats.url, stateDir: state.path });
  try {
    await using metrics = await serveAgentMetrics(agent, { host: '127.0.0.1', port: 0 });
    assert.ok(metrics.server);
    await waitFor('15 frames sent', async () => ((agent.status().cameras[0]?.framesSent ?? 0) >= 15 ? true : undefined), { timeoutMs: 20_000 });
    const body = await (await fetch(metrics.server.url)).text();
    const labels = 'rig="booth1",camera="cam0"';
    const sent = sample(body, 'signflow_frames_total', labels);
    assert.ok(sent !== undefined && sent >= 15, `frames_total ${String(sent)}`);
    assert.ok((sample(body, 'signflow_fps', labels) ?? 0) > 0, 'fps measured');
    assert.equal(sample(body, 'signflow_frames_dropped_total', labels), 0);
    assert.ok(sample(body, 'signflow_buffer_messages', labels) !== undefined);
    // A second scrape counts only what was sent since (the counter follows the agent's count).
    await waitFor('more frames', async () => ((agent.status().cameras[0]?.framesSent ?? 0) > (sent ?? 0) + 5 ? true : undefined), { timeoutMs: 20_000 });
    const later = sample(await (await fetch(metrics.server.url)).text(), 'signflow_frames_total', labels) ?? 0;
    assert.ok(later > (sent ?? 0) && later <= (agent.status().cameras[0]?.framesSent ?? 0), `later ${later}`);
  } finally {
    await agent.stop();
  }
  // The stored frame carries the W3C context of its publish span.
  const stored = await withConnection(nats.url, async (nc) => (await jetstreamManager(nc)).streams.getMessage(streams.frames, { last_by_subj: subjects.frames('booth1', 'cam0') }));
  const traceId = traceIdOf(stored?.header);
  assert.ok(traceId, 'the frame has a traceparent header');
  const span = exporter.getFinishedSpans().find((s) => s.spanContext().traceId === traceId);
  assert.equal(span?.name, `publish ${subjects.frames('booth1', 'cam0')}`);
});
