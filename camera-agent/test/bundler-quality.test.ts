import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Bundler, imageQuality, laplacianVariance, type Bundle } from '../src/index.js';

const ms = (n: number): bigint => BigInt(Math.round(n * 1e6));

test('frames of all cameras within the tolerance form bundles; stragglers are counted unmatched', () => {
  const bundles: Bundle<string>[] = [];
  const bundler = new Bundler<string>(['a', 'b', 'c'], 10, (b) => bundles.push(b));
  // 30 fps, b lags by 4 ms, c by 7 ms; c misses its frame at t=100.
  for (let i = 0; i < 6; i++) {
    const t = i * 33.3;
    bundler.add({ camera: 'a', captureNs: ms(t), item: `a${i}` });
    bundler.add({ camera: 'b', captureNs: ms(t + 4), item: `b${i}` });
    if (i !== 3) bundler.add({ camera: 'c', captureNs: ms(t + 7), item: `c${i}` });
  }
  const stats = bundler.stats();
  assert.deepEqual(bundles.map((b) => [...b.members.values()].map((m) => m.item).join(',')), ['a0,b0,c0', 'a1,b1,c1', 'a2,b2,c2', 'a4,b4,c4', 'a5,b5,c5']);
  assert.equal(stats.bundles, 5);
  assert.equal(stats.unmatched, 2, 'a3 and b3 had no partner from c');
  assert.equal(stats.skewMsMax, 7);
  assert.equal(stats.skewMsP50, 7);
});

test('the bundler waits for a late camera instead of giving up early', () => {
  const bundles: Bundle<number>[] = [];
  const bundler = new Bundler<number>(['a', 'b'], 5, (b) => bundles.push(b));
  bundler.add({ camera: 'a', captureNs: ms(0), item: 1 });
  bundler.add({ camera: 'a', captureNs: ms(33), item: 2 });
  assert.equal(bundles.length, 0);
  bundler.add({ camera: 'b', captureNs: ms(2), item: 3 });
  assert.equal(bundles.length, 1);
  assert.equal(bundles[0]?.skewMs, 2);
});

test('image quality: brightness, over-exposure and blur (variance of the Laplacian)', () => {
  const w = 64;
  const h = 48;
  const flat = new Uint8Array(w * h).fill(128);
  const checker = new Uint8Array(w * h).map((_, i) => (((i % w) >> 2) + (Math.floor(i / w) >> 2)) % 2 ? 255 : 0);
  const blurred = new Uint8Array(w * h);
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      let sum = 0;
      let n = 0;
      for (let dy = -2; dy <= 2; dy++) for (let dx = -2; dx <= 2; dx++) {
        const v = checker[Math.min(h - 1, Math.max(0, y + dy)) * w + Math.min(w - 1, Math.max(0, x + dx))];
        sum += v ?? 0;
        n++;
      }
      blurred[y * w + x] = Math.round(sum / n);
    }
  }
  assert.equal(laplacianVariance(flat, w, h), 0);
  assert.ok(laplacianVariance(checker, w, h) > 10 * laplacianVariance(blurred, w, h), 'a sharp pattern has far more Laplacian variance than its blurred copy');
  const q = imageQuality(checker, w, h);
  assert.ok(Math.abs(q.brightness - 0.5) < 0.05);
  assert.ok(Math.abs(q.overExposed - 0.5) < 0.05);
  assert.ok(Math.abs(q.underExposed - 0.5) < 0.05);
  assert.equal(imageQuality(new Uint8Array(w * h).fill(255), w, h).overExposed, 1);
});
