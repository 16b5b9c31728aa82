import { test } from 'node:test';
import assert from 'node:assert/strict';
import { percentile } from '../src/index.js';

test('percentile uses nearest rank', () => {
  const values = Array.from({ length: 100 }, (_, i) => 100 - i);
  assert.equal(percentile(values, 50), 50);
  assert.equal(percentile(values, 95), 95);
  assert.equal(percentile(values, 100), 100);
  assert.ok(Number.isNaN(percentile([], 50)));
});
