import { test } from 'node:test';
import assert from 'node:assert/strict';
import { redactUrlCredentials } from '../src/index.js';

test('redactUrlCredentials hides passwords and bare tokens in URLs and server lists, keeps everything else', () => {
  assert.equal(redactUrlCredentials('nats://signflow:s3cr3t@nats.svc:4222'), 'nats://signflow:[redacted]@nats.svc:4222');
  assert.equal(redactUrlCredentials('nats://sometoken@nats:4222,nats://u:p@n2:4222'), 'nats://[redacted]@nats:4222,nats://u:[redacted]@n2:4222');
  assert.equal(redactUrlCredentials('nats://127.0.0.1:4222'), 'nats://127.0.0.1:4222');
  assert.equal(redactUrlCredentials('connect to nats://a:b@h failed'), 'connect to nats://a:[redacted]@h failed');
});
