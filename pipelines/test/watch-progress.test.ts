import { test } from 'node:test';
import assert from 'node:assert/strict';
import { PassThrough } from 'node:stream';
import { describeEpoch, parseProgressLines, progressView } from '../src/watch-progress.js';

const line = (epoch: number, epochs = 3) =>
  `2026-01-01T00:00:0${epoch}Z progress ${JSON.stringify({ epoch, epochs, lastCheckpointEpoch: undefined, backend: 'tfjs-node', metrics: { epoch, loss: 1 / epoch, accuracy: 0.5 + epoch / 10, learningRate: 0.003, samplesPerSec: 1234.4, seconds: 1 } })}`;

test('progress lines of a step log: epoch reports parsed, other lines and checkpoint-only reports skipped', () => {
  const text = ['imported 500', line(1), 'progress {"epoch":1,"epochs":3,"backend":"cpu"}', 'progress {broken', line(2)].join('\n');
  const parsed = parseProgressLines(text);
  assert.deepEqual(parsed.map((p) => p.epoch), [1, 2]);
  assert.equal(describeEpoch(parsed[1] ?? { epoch: 0, epochs: 0 }), 'epoch 2/3  loss 0.5000  acc 0.700  1234 samples/s  (tfjs-node)');
});

test('on a terminal each step gets one live bar that advances per epoch; the same log text fed twice is not drawn twice', () => {
  const chunks: string[] = [];
  const stream = Object.assign(new PassThrough(), { isTTY: true, columns: 120 });
  stream.on('data', (c: Buffer) => chunks.push(c.toString()));
  const view = progressView({ json: false, stream: stream as unknown as NodeJS.WriteStream });
  view.feed('train', `${line(1)}\n`);
  view.feed('train', `${line(1)}\n${line(2)}\n`);
  view.end('train');
  const out = chunks.join('');
  assert.match(out, /train\s+\[[^\]]*\] epoch 2\/3 {2}loss 0\.5000/);
  assert.ok((out.match(/epoch 1\/3/g)?.length ?? 0) <= 1, 'epoch 1 drawn at most once (the bar throttles redraws)');
  assert.doesNotMatch(out, /epoch 3\/3/);
});

test('without a terminal: one plain line per epoch; with --json one JSON object per epoch', () => {
  for (const json of [false, true]) {
    const chunks: string[] = [];
    const stream = new PassThrough();
    stream.on('data', (c: Buffer) => chunks.push(c.toString()));
    const view = progressView({ json, stream: stream as unknown as NodeJS.WriteStream });
    view.feed('train', [line(1), line(2), line(3)].join('\n'));
    view.stop();
    const lines = chunks.join('').trim().split('\n');
    assert.equal(lines.length, 3);
    if (json) assert.deepEqual(lines.map((l) => (JSON.parse(l) as { epoch: number }).epoch), [1, 2, 3]);
    else assert.match(lines[2] ?? '', /train\s+epoch 3\/3 {2}loss 0\.3333 {2}acc 0\.800 {2}1234 samples\/s/);
  }
});
