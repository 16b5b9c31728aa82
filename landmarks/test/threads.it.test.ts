import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { fixture } from '../src/fixtures.ts';

interface Output {
  threads: number;
  hands: { handedness: string; landmarks: { x: number; y: number }[] }[];
}

function detectIn(threads: number): Output {
  const script = fileURLToPath(new URL('./helpers/detect-image.ts', import.meta.url));
  const result = spawnSync(process.execPath, ['--import', 'tsx', script, fixture('tfjs-models', 'hands.jpg')], {
    encoding: 'utf8',
    timeout: 120_000,
    env: { ...process.env, SIGNFLOW_LITERT_THREADS: String(threads) },
  });
  assert.equal(result.status, 0, `exit ${String(result.status)} ${String(result.signal)}: ${result.stderr}`);
  return JSON.parse(result.stdout.trim().split('\n').pop() ?? '') as Output;
}

void test('SIGNFLOW_LITERT_THREADS=2 runs the pthreads build: same landmarks, and the process exits by itself', () => {
  const single = detectIn(1);
  const threaded = detectIn(2);
  assert.equal(single.threads, 1);
  assert.equal(threaded.threads, 2);
  assert.equal(threaded.hands.length, 2);
  threaded.hands.forEach((hand, i) => {
    const other = single.hands[i];
    assert.ok(other);
    assert.equal(hand.handedness, other.handedness);
    hand.landmarks.forEach((p, k) => {
      const q = other.landmarks[k];
      assert.ok(q && Math.hypot(p.x - q.x, p.y - q.y) < 0.5, `landmark ${k}: ${p.x},${p.y} vs ${q?.x},${q?.y}`);
    });
  });
});
