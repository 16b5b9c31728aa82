import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const index = fileURLToPath(new URL('../src/index.ts', import.meta.url));

test('createLogger: lines inside a span carry trace_id/span_id; tokens and Authorization headers are redacted', () => {
  const script = `
    import { InMemorySpanExporter } from '@opentelemetry/sdk-trace-base';
    import { createLogger, setupTracing } from ${JSON.stringify(index)};
    const tracing = setupTracing({ serviceName: 'log-test', exporter: new InMemorySpanExporter() });
    const log = createLogger('log-test', { level: 'info' });
    log.info('outside');
    tracing.tracer.startActiveSpan('work', (span) => {
      log.info({ token: 'sft_secret_1', req: { headers: { authorization: 'Bearer sft_secret_2' } } }, 'inside');
      process.stderr.write(span.spanContext().traceId + '\\n');
      span.end();
    });
  `;
  const out = spawnSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], { encoding: 'utf8', env: { ...process.env, NODE_TEST_CONTEXT: '' } });
  assert.equal(out.status, 0, out.stderr);
  const lines = out.stdout.trim().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>);
  const outside = lines.find((l) => l['msg'] === 'outside');
  const inside = lines.find((l) => l['msg'] === 'inside');
  assert.equal(outside?.['trace_id'], undefined);
  assert.equal(inside?.['trace_id'], out.stderr.trim());
  assert.match(String(inside?.['span_id']), /^[0-9a-f]{16}$/);
  assert.ok(!out.stdout.includes('sft_secret'), out.stdout);
});
