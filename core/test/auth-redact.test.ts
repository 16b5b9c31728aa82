import { test } from 'node:test';
import assert from 'node:assert/strict';
import { redactUrlCredentials, signflowConfigSchema } from '../src/index.js';

// Nothing listens here: URLs as the stack writes them, with its default NATS client port, so a
// host:port after the credentials is shown to survive redaction.
const { port } = signflowConfigSchema.parse({}).nats;

test('redactUrlCredentials hides passwords and bare tokens in URLs and server lists, keeps everything else', () => {
  assert.equal(redactUrlCredentials(`nats://signflow:s3cr3t@nats.svc:${port}`), `nats://signflow:[redacted]@nats.svc:${port}`);
  assert.equal(redactUrlCredentials(`nats://sometoken@nats:${port},nats://u:p@n2:${port}`), `nats://[redacted]@nats:${port},nats://u:[redacted]@n2:${port}`);
  assert.equal(redactUrlCredentials(`nats://127.0.0.1:${port}`), `nats://127.0.0.1:${port}`);
  assert.equal(redactUrlCredentials('connect to nats://a:b@h failed'), 'connect to nats://a:[redacted]@h failed');
});
