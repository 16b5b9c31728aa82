import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir, homedir } from 'node:os';
import { join } from 'node:path';
import { loadConfig, ValidationError, ConfigError, subjects, formatPath } from '../src/index.js';

function dirWith(yaml?: string): string {
  const dir = mkdtempSync(join(tmpdir(), 'signflow-config-'));
  if (yaml !== undefined) writeFileSync(join(dir, 'signflow.yaml'), yaml);
  return dir;
}

test('defaults give the embedded stack under ~/.signflow', () => {
  const { config, file } = loadConfig({ cwd: dirWith(), env: {} });
  assert.equal(file, undefined);
  assert.equal(config.dataDir, join(homedir(), '.signflow'));
  assert.equal(config.nats.port, 4222);
  assert.equal(config.temporal.namespace, 'default');
});

test('precedence: defaults < signflow.yaml < env vars < flags', () => {
  const cwd = dirWith('nats:\n  port: 5000\ntemporal:\n  port: 7000\n  namespace: fromfile\napi:\n  port: 9000\n');
  const { config, file } = loadConfig({
    cwd,
    env: { SIGNFLOW_TEMPORAL_PORT: '7100', SIGNFLOW_API_PORT: '9100' },
    overrides: { api: { port: 9200 } },
  });
  assert.equal(file, join(cwd, 'signflow.yaml'));
  assert.equal(config.nats.port, 5000, 'file beats default');
  assert.equal(config.temporal.port, 7100, 'env beats file');
  assert.equal(config.temporal.namespace, 'fromfile');
  assert.equal(config.api.port, 9200, 'flag beats env');
});

test('a bad field is named by its path', () => {
  const cwd = dirWith('nats:\n  port: "abc"\n');
  assert.throws(
    () => loadConfig({ cwd, env: {} }),
    (err: unknown) => err instanceof ValidationError && /nats\.port: .*expected number/.test(err.message) && err.message.includes('signflow.yaml'),
  );
});

test('an unknown key is rejected rather than ignored', () => {
  const cwd = dirWith('temporal:\n  prot: 7000\n');
  assert.throws(() => loadConfig({ cwd, env: {} }), (err: unknown) => err instanceof ValidationError && err.message.includes('temporal'));
});

test('malformed YAML names the file and the line', () => {
  const cwd = dirWith('nats:\n  port: [\n');
  assert.throws(() => loadConfig({ cwd, env: {} }), (err: unknown) => err instanceof ConfigError && /signflow\.yaml: not valid YAML at line \d/.test(err.message));
});

test('a bad env var is named through its config path', () => {
  assert.throws(
    () => loadConfig({ cwd: dirWith(), env: { SIGNFLOW_NATS_PORT: 'lots' } }),
    (err: unknown) => err instanceof ValidationError && err.message.includes('nats.port'),
  );
});

test('a missing explicit config file is a clear error', () => {
  assert.throws(() => loadConfig({ configPath: '/nonexistent/signflow.yaml', env: {} }), /cannot read config file \/nonexistent\/signflow\.yaml/);
});

test('subjects refuse tokens that would break NATS subject matching', () => {
  assert.equal(subjects.frames('booth-1', 'hands'), 'signflow.frames.booth-1.hands');
  assert.throws(() => subjects.frames('booth.1', 'hands'), /rig: "booth\.1"/);
  assert.throws(() => subjects.captions('*'), ValidationError);
  assert.equal(formatPath(['cameras', 1, 'fps']), 'cameras[1].fps');
});
