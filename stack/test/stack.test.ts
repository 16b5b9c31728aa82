import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:net';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ToolMissingError, loadConfig } from '@signflow/core';
import {
  assertPortFree,
  checkStack,
  findTool,
  freePort,
  isAlive,
  PortInUseError,
  readStackState,
  requireTool,
  startNatsServer,
  startStack,
  writeStackState,
} from '../src/index.js';

async function listen(): Promise<{ server: Server; port: number }> {
  const server = createServer();
  const port = await new Promise<number>((resolve) => server.listen(0, '127.0.0.1', () => resolve((server.address() as { port: number }).port)));
  return { server, port };
}

function tmp(): string {
  return mkdtempSync(join(tmpdir(), 'signflow-stack-'));
}

test('a tool override that is not executable is a ToolMissingError naming the variable', () => {
  const before = process.env['SIGNFLOW_NATS_SERVER'];
  process.env['SIGNFLOW_NATS_SERVER'] = '/nonexistent/nats-server';
  try {
    assert.equal(findTool('nats-server'), undefined);
    assert.throws(() => requireTool('nats-server'), (err: unknown) => err instanceof ToolMissingError && err.message.includes('SIGNFLOW_NATS_SERVER=/nonexistent/nats-server'));
  } finally {
    if (before === undefined) delete process.env['SIGNFLOW_NATS_SERVER'];
    else process.env['SIGNFLOW_NATS_SERVER'] = before;
  }
});

test('assertPortFree names the part and the port', async () => {
  const { server, port } = await listen();
  try {
    await assert.rejects(assertPortFree('temporal (frontend port)', '127.0.0.1', port), (err: unknown) => err instanceof PortInUseError && err.port === port && err.message.startsWith('temporal (frontend port): port'));
    await assertPortFree('free', '127.0.0.1', await freePort());
  } finally {
    server.close();
  }
});

test('nats-server on a taken port fails with PortInUseError before spawning', async () => {
  const { server, port } = await listen();
  try {
    await assert.rejects(startNatsServer({ dataDir: tmp(), port }), (err: unknown) => err instanceof PortInUseError && err.port === port);
  } finally {
    server.close();
  }
});

test('startStack refuses to start twice on one data dir while the first supervisor lives', async () => {
  const dataDir = tmp();
  writeStackState(dataDir, { supervisorPid: process.ppid, startedAt: new Date().toISOString(), phase: 'running', parts: {} });
  assert.ok(isAlive(process.ppid));
  const { config } = loadConfig({ env: {}, overrides: { dataDir } });
  await assert.rejects(startStack(config), /already running \(pid \d+\)/);
});

test('startStack on external servers starts nothing and reports them; status checks them', async () => {
  await using nats = await startNatsServer({ dataDir: tmp(), port: -1 });
  const dataDir = tmp();
  const { config } = loadConfig({ env: {}, overrides: { dataDir, nats: { url: nats.url }, temporal: { address: '127.0.0.1:1' } } });
  const stack = await startStack(config);
  try {
    assert.equal(stack.nats, undefined, 'no embedded nats-server');
    assert.equal(readStackState(dataDir)?.phase, 'running');
    const health = await checkStack(config);
    assert.equal(health.find((h) => h.part === 'nats')?.healthy, true);
    const temporal = health.find((h) => h.part === 'temporal');
    assert.equal(temporal?.healthy, false, 'nothing listens on port 1');
    assert.ok((temporal?.detail ?? '').length > 0, 'an unhealthy part says why');
  } finally {
    await stack.stop();
  }
  assert.equal(readStackState(dataDir), undefined, 'stop clears the state file');
});
