import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { connect, type NatsConnection, type Msg } from '@nats-io/transport-node';
import { jetstream, jetstreamManager } from '@nats-io/jetstream';
import { startTestNats, tempDir } from '@signflow/testkit';
import { waitFor } from '@signflow/stack';
import { ensureNatsAuth, generateNatsAuth, loadConfig, natsClientOptions, natsUserConnectOptions, parseNatsAuthSpec, natsAuthForDataDir, natsAuthPaths, natsServiceConnectOptions, natsStepCredentialsFile, subjects, streams, NatsAuthConfigError, ValidationError } from '../src/index.js';

const spec = parseNatsAuthSpec({
  tenants: { acme: { rigs: ['acme-rig'] }, globex: { rigs: ['globex-rig'] } },
  users: [
    { kind: 'service', name: 'signflow' },
    { kind: 'camera', name: 'acme-cam', tenant: 'acme', rig: 'acme-rig', cameras: ['cam0'] },
    { kind: 'viewer', name: 'acme-viewer', tenant: 'acme' },
  ],
});

/** Collects the permission violations the server reports to a connection. */
function violations(nc: NatsConnection): string[] {
  const seen: string[] = [];
  void (async () => {
    for await (const s of nc.status()) if (s.type === 'error') seen.push(String(s.error));
  })();
  return seen;
}

test('NATS users: a camera publishes only its own subjects and cannot read another tenant’s captions; a viewer sees only its tenant', async () => {
  await using creds = await tempDir();
  const auth = generateNatsAuth(spec, creds.path);
  assert.ok(!auth.config.includes(readFileSync(join(creds.path, 'acme-cam.nk'), 'utf8').trim()), 'the config holds no seeds');
  assert.equal(statSync(join(creds.path, 'acme-cam.nk')).mode & 0o777, 0o600);
  await using nats = await startTestNats({ extraConfig: auth.config });
  const user = (name: string) => {
    const u = auth.users.find((x) => x.name === name);
    assert.ok(u);
    return natsUserConnectOptions(u);
  };
  const service = await connect({ servers: nats.url, ...user('signflow') });
  const camera = await connect({ servers: nats.url, ...user('acme-cam') });
  const viewer = await connect({ servers: nats.url, ...user('acme-viewer') });
  const cameraErrors = violations(camera);
  const viewerErrors = violations(viewer);
  try {
    const jsm = await jetstreamManager(service);
    await jsm.streams.add({ name: streams.frames, subjects: [subjects.allFrames] });

    // the camera's own frames go into JetStream (the ack comes back on its private inbox)
    const ack = await jetstream(camera).publish(subjects.frames('acme-rig', 'cam0'), new Uint8Array([1, 2, 3]));
    assert.equal(ack.stream, streams.frames);

    // captions of the other tenant's rig: the subscription is refused by the server
    const stolen: Msg[] = [];
    const sub = camera.subscribe(subjects.captions('globex-rig'), { callback: (err, m) => void (err ? undefined : stolen.push(m)) });
    const subClosed = await sub.closed;
    assert.match(String(subClosed), /Permissions Violation for Subscription to "signflow\.captions\.globex-rig"/);
    // ...and publishing as another camera of the tenant's rig is refused too
    camera.publish(subjects.frames('acme-rig', 'cam1'), 'spoof');
    await waitFor('the publish violation', async () => (cameraErrors.some((e) => e.includes('signflow.frames.acme-rig.cam1')) ? true : undefined), { timeoutMs: 5000 });

    // the viewer gets its tenant's captions, not the other tenant's, and cannot publish
    const seen: string[] = [];
    viewer.subscribe(subjects.captions('acme-rig'), { callback: (_e, m) => void seen.push(m.string()) });
    const other = viewer.subscribe(subjects.captions('globex-rig'));
    await viewer.flush();
    service.publish(subjects.captions('acme-rig'), 'HELLO acme');
    service.publish(subjects.captions('globex-rig'), 'HELLO globex');
    await waitFor('the acme caption', async () => seen[0], { timeoutMs: 5000 });
    assert.match(String(await other.closed), /Permissions Violation for Subscription/);
    viewer.publish(subjects.runEvents('r1'), 'submit');
    await waitFor('the viewer publish violation', async () => (viewerErrors.some((e) => e.includes('signflow.runs.r1.events')) ? true : undefined), { timeoutMs: 5000 });
    assert.deepEqual(seen, ['HELLO acme']);
    assert.deepEqual(stolen.map((m) => `${m.subject}: ${m.string()}`), []);
  } finally {
    await Promise.all([service.close(), camera.close(), viewer.close()]);
  }
});

test('NATS without credentials may only probe JetStream; a bad seed is refused', async () => {
  await using creds = await tempDir();
  const auth = generateNatsAuth(spec, creds.path);
  await using nats = await startTestNats({ extraConfig: auth.config });
  const anon = await connect({ servers: nats.url });
  try {
    const sub = anon.subscribe(subjects.captions('acme-rig'));
    assert.match(String(await sub.closed), /Permissions Violation/);
  } finally {
    await anon.close();
  }
  const strict = generateNatsAuth(spec, creds.path, { anonymousProbe: false });
  assert.equal(strict.users.find((u) => u.name === 'acme-cam')?.publicKey, auth.users.find((u) => u.name === 'acme-cam')?.publicKey, 'keys are reused');
  assert.ok(!strict.config.includes('no_auth_user'));
  writeFileSync(join(creds.path, 'acme-viewer.nk'), 'not a seed\n');
  assert.throws(() => generateNatsAuth(spec, creds.path), (err: unknown) => err instanceof NatsAuthConfigError && /acme-viewer\.nk does not hold a NATS user nkey seed/.test(err.message));
});

test('a NATS auth spec with an unknown tenant, a foreign rig or a duplicate user is rejected', () => {
  assert.throws(() => parseNatsAuthSpec({ users: [{ kind: 'viewer', name: 'v', tenant: 'nope' }] }), (err: unknown) => err instanceof NatsAuthConfigError && /unknown tenant "nope"/.test(err.message));
  assert.throws(
    () => parseNatsAuthSpec({ tenants: { a: { rigs: ['r1'] } }, users: [{ kind: 'camera', name: 'c', tenant: 'a', rig: 'r2', cameras: ['c0'] }] }),
    /rig "r2" is not one of tenant a's rigs/,
  );
  assert.throws(() => parseNatsAuthSpec({ users: [{ kind: 'admin', name: 'x' }, { kind: 'service', name: 'x' }] }), /appears twice/);
  assert.throws(() => parseNatsAuthSpec({ users: [{ kind: 'camera', name: 'bad.name', tenant: 't', rig: 'r', cameras: ['c'] }] }), (err: unknown) => err instanceof ValidationError && /users\[0\]\.name/.test(err.message));
});

test('a data dir with nats-users.yaml gets users plus the signflow service user, and anonymous clients are refused; without the file there is nothing to generate', async () => {
  await using dir = await tempDir();
  assert.equal(natsAuthForDataDir(dir.path), undefined);
  assert.deepEqual(natsServiceConnectOptions(dir.path), {});
  mkdirSync(join(dir.path, 'auth'), { recursive: true });
  writeFileSync(natsAuthPaths(dir.path).spec, 'tenants:\n  acme: { rigs: [acme-rig] }\nusers:\n  - { kind: viewer, name: v, tenant: acme }\n');
  const auth = natsAuthForDataDir(dir.path);
  assert.deepEqual(auth?.users.map((u) => `${u.kind}:${u.name}`), ['service:signflow', 'viewer:v', 'step:step']);
  await using nats = await startTestNats({ extraConfig: auth?.config ?? '', probeConnectOptions: natsServiceConnectOptions(dir.path) });
  await assert.rejects(connect({ servers: nats.url, reconnect: false, timeout: 3000 }), /authorization/i);
  const service = await connect({ servers: nats.url, ...natsServiceConnectOptions(dir.path) });
  try {
    const jsm = await jetstreamManager(service);
    assert.ok((await jsm.getAccountInfo()).limits, 'the service user has JetStream');
  } finally {
    await service.close();
  }
  writeFileSync(natsAuthPaths(dir.path).spec, 'tenants:\n  x: { rigs: [r] }\nusers:\n  - { kind: viewer, name: signflow, tenant: x }\n');
  assert.throws(() => natsAuthForDataDir(dir.path), (err: unknown) => err instanceof NatsAuthConfigError && /reserved for the signflow services/.test(err.message));
  writeFileSync(natsAuthPaths(dir.path).spec, 'tenants:\n  x: { rigs: [r] }\nusers:\n  - { kind: viewer, name: step, tenant: x }\n');
  assert.throws(() => natsAuthForDataDir(dir.path), (err: unknown) => err instanceof NatsAuthConfigError && /"step" is reserved for pipeline steps/.test(err.message));
});

test('ensureNatsAuth: NATS users by default (a user per role and one per demo camera, files 0600); none with auth.mode off', async () => {
  await using dir = await tempDir();
  const auth = ensureNatsAuth(loadConfig({ env: {}, overrides: { dataDir: dir.path } }).config);
  assert.deepEqual(auth?.users.map((u) => `${u.kind}:${u.name}`), ['service:signflow', 'admin:admin', 'operator:operator', 'viewer:viewer', 'camera:demo-front', 'step:step']);
  assert.equal(statSync(natsAuthPaths(dir.path).spec).mode & 0o777, 0o600);
  for (const u of auth?.users ?? []) assert.equal(statSync(u.seedFile).mode & 0o777, 0o600, u.seedFile);
  assert.doesNotMatch(auth?.config ?? '', /no_auth_user/);
  const step = auth?.users.find((u) => u.name === 'step');
  assert.ok(step, 'a step user');
  assert.ok(step.permissions.publish.allow?.includes('$O.signflow_artifacts.>') && step.permissions.publish.allow.includes('$O.signflow_datasets.>'), 'the default buckets');
  assert.equal(natsStepCredentialsFile(dir.path), step.seedFile, 'the local executor hands steps this seed');
  const custom = ensureNatsAuth(loadConfig({ env: {}, overrides: { dataDir: dir.path, artifacts: { store: 'nats://team_artifacts' }, datasets: { store: { kind: 'nats', bucket: 'team_sets' } } } }).config);
  assert.deepEqual(
    custom?.users.find((u) => u.name === 'step')?.permissions.publish.allow?.filter((s) => s.startsWith('$O.')),
    ['$O.team_artifacts.>', '$O.team_sets.>'],
    'the configured buckets, and only those',
  );
  const again = ensureNatsAuth(loadConfig({ env: {}, overrides: { dataDir: dir.path } }).config);
  assert.deepEqual(again?.users.map((u) => u.publicKey), auth?.users.map((u) => u.publicKey), 'the same keys on the next start');
  await using off = await tempDir();
  assert.equal(ensureNatsAuth(loadConfig({ env: {}, overrides: { dataDir: off.path, auth: { mode: 'off' } } }).config), undefined);
  assert.equal(natsStepCredentialsFile(off.path), undefined, 'no step seed: steps connect as before');
  const creds = natsClientOptions(loadConfig({ env: { SIGNFLOW_NATS_CREDENTIALS: join(natsAuthPaths(dir.path).creds, 'demo-front.nk') }, overrides: { dataDir: off.path } }).config);
  assert.equal(creds.inboxPrefix, '_INBOX_demo-front', 'explicit credentials bring their own inbox prefix');
});
