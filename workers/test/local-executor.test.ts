import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { StepLaunch, StepRunContext } from '@signflow/pipelines';
import { tempDir, waitFor } from '@signflow/testkit';
import { LocalExecutor } from '../src/executors/local/executor.js';

function context(signal = new AbortController().signal): StepRunContext & { text: () => string } {
  let text = '';
  return { signal, heartbeat: () => undefined, logs: { write: async (c) => void (text += c) }, text: () => text };
}
const launch = (command: string[], extra: Partial<StepLaunch> = {}): StepLaunch => ({ runId: 'r1', stepId: 's', attempt: 1, command, env: {}, resources: {}, ...extra });

test('fast steps never go unseen: 50 runs of `true` all finish', async () => {
  await using dir = await tempDir();
  const executor = new LocalExecutor({ workRoot: dir.path });
  for (let i = 0; i < 50; i++) {
    const outcome = await executor.run(launch(['true'], { stepId: `s${i}` }), context());
    assert.equal(outcome.status, 'succeeded');
  }
});

test('inputs reach the step, its outputs document and logs come back', async () => {
  await using dir = await tempDir();
  const executor = new LocalExecutor({ workRoot: dir.path });
  const script = 'const fs=require("fs");const i=JSON.parse(fs.readFileSync(process.env.SIGNFLOW_STEP_INPUTS));console.log("hello",i.parameters.who);fs.writeFileSync(process.env.SIGNFLOW_STEP_OUTPUTS,JSON.stringify({parameters:{n:i.parameters.who.length}}))';
  const ctx = context();
  const outcome = await executor.run(launch([process.execPath, '-e', script], { inputsJson: JSON.stringify({ parameters: { who: 'signflow' }, artifacts: {} }) }), ctx);
  assert.ok(outcome.status === 'succeeded');
  assert.deepEqual(JSON.parse(outcome.outputsJson ?? '{}'), { parameters: { n: 8 } });
  assert.match(ctx.text(), /hello signflow/);
});

test('a missing command, a non-zero exit and a timeout fail with the reason', async () => {
  await using dir = await tempDir();
  const executor = new LocalExecutor({ workRoot: dir.path, killGraceMs: 200 });
  const missing = await executor.run(launch(['no-such-command-xyz']), context());
  assert.ok(missing.status === 'failed' && /not found|ENOENT/.test(missing.reason), JSON.stringify(missing));
  const exit = await executor.run(launch(['sh', '-c', 'echo oops >&2; exit 4'], { stepId: 'e' }), context());
  assert.ok(exit.status === 'failed' && exit.exitCode === 4 && !exit.retryable);
  const slow = await executor.run(launch(['sleep', '30'], { stepId: 't', timeoutMs: 300 }), context());
  assert.ok(slow.status === 'failed' && /timed out after 300 ms/.test(slow.reason));
});

test('abort kills the whole process group, children included', async () => {
  await using dir = await tempDir();
  const executor = new LocalExecutor({ workRoot: dir.path, killGraceMs: 200 });
  const pids = join(dir.path, 'pids');
  const abort = new AbortController();
  const running = executor.run(launch(['sh', '-c', `sleep 60 & echo $$ $! > ${pids}; wait`]), context(abort.signal));
  const [shell, child] = (await waitFor('pids', async () => (await readFile(pids, 'utf8').catch(() => '')).trim().split(' ').map(Number).filter(Boolean).length === 2 ? (await readFile(pids, 'utf8')).trim().split(' ').map(Number) : undefined, { timeoutMs: 10_000 })) as [number, number];
  abort.abort();
  const outcome = await running;
  assert.ok(outcome.status === 'failed' && outcome.reason === 'cancelled');
  for (const pid of [shell, child]) assert.throws(() => process.kill(pid, 0), /ESRCH/);
});
