// Browser test of the console (npm run test:e2e -w web): a real Temporal dev server, the real
// pipeline worker and run API with token auth, the built console, and headless Chromium clicking
// through submit → watch → logs → compare. Screenshots go to test-artifacts/console/.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { chromium, type Page } from 'playwright-core';
import { connect } from '@nats-io/transport-node';
import { jetstreamManager, StorageType } from '@nats-io/jetstream';
import { Kvm } from '@nats-io/kv';
import { createLogger, kvBuckets, loadConfig, streams, subjects, toCaptureTimeNs, TokenStore, type Caption } from '@signflow/core';
import { pipelinesDataPaths, RunStore } from '@signflow/pipelines';
import { startApiServer } from '@signflow/pipelines/api';
import { stackParts as workerParts } from '@signflow/workers/stack-parts';
import { quietTemporalRuntime, startTestNats, startTestTemporal, tempDir } from '@signflow/testkit';
import { startLiveFeed } from '../../src/live/server.js';
// as under `signflow up`: loading web's stack parts registers the console on the API
import '../../src/stack-parts.js';
import { trainDemo } from './fixtures/pipeline.js';

const shots = fileURLToPath(new URL('../../../test-artifacts/console/', import.meta.url));
const CHROMIUM_ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--no-first-run', '--disable-sync'];

async function shot(page: Page, name: string): Promise<void> {
  await page.screenshot({ path: `${shots}${name}.png`, fullPage: true });
}

function caption(label: string): Caption {
  const end = Date.now();
  return {
    v: 1, rig: 'demo-rig', kind: 'final', segment: 's1', index: 0, label, confidence: 0.93, alternatives: [],
    startCaptureTimeNs: toCaptureTimeNs(end - 900), endCaptureTimeNs: toCaptureTimeNs(end), frames: 27, cameras: ['front'],
    model: { name: 'signs', version: '1' }, emittedAtMs: end,
  };
}

test('console: sign in, submit a run, watch its DAG live, read step logs and curves, compare two runs, fleet and live captions; a viewer cannot submit', { timeout: 240_000 }, async () => {
  mkdirSync(shots, { recursive: true });
  quietTemporalRuntime();
  await using temporal = await startTestTemporal();
  await using data = await tempDir('signflow-console-');
  // NATS with a camera heartbeat and a kept caption; the live feed page the console embeds
  await using nats = await startTestNats();
  const nc = await connect({ servers: nats.url });
  await jetstreamManager(nc).then((jsm) => jsm.streams.add({ name: streams.captions, subjects: [subjects.allCaptions], storage: StorageType.File }));
  await (await new Kvm(nc).create(kvBuckets.cameras)).put('demo-rig.front', JSON.stringify({ rig: 'demo-rig', camera: 'front', role: 'front', state: 'streaming', fps: 24.8, framesCaptured: 1203, framesSent: 1200, dropped: 3, buffered: 0, restarts: 0, lastError: null }));
  await nc.request(subjects.captions('demo-rig'), JSON.stringify(caption('HELLO')));
  const feed = await startLiveFeed({ nc, host: '127.0.0.1', port: 0 });
  process.env['SIGNFLOW_LIVE_PORT'] = new URL(feed.url).port;
  const config = loadConfig({ env: {}, overrides: { dataDir: data.path, api: { port: 0 }, nats: { url: nats.url }, temporal: { namespace: temporal.namespace } } }).config;
  const logger = createLogger('console-e2e');
  const parts = await Promise.all(workerParts(config).map((part) => part.start({ config, natsUrl: '', temporalAddress: temporal.address, logger })));

  const tokens = new TokenStore(config.dataDir);
  const operator = (await tokens.create({ name: 'e2e-operator', role: 'operator' })).token;
  const viewer = (await tokens.create({ name: 'e2e-viewer', role: 'viewer' })).token;
  const api = await startApiServer({ config, temporalAddress: temporal.address, logger });
  const base = api.url;
  const runs = new RunStore(pipelinesDataPaths(config.dataDir).runIndex);

  await using profile = await tempDir('signflow-chromium-');
  const browser = await chromium.launchPersistentContext(profile.path, { executablePath: '/usr/bin/chromium', args: CHROMIUM_ARGS, viewport: { width: 1360, height: 900 } });
  let failureShot: (() => Promise<void>) | undefined;
  try {
    // the API refuses anonymous callers; the operator uploads the pipeline as the CLI would
    assert.equal((await fetch(`${base}/v1/runs`)).status, 401);
    const upload = await fetch(`${base}/v1/pipelines`, { method: 'POST', headers: { authorization: `Bearer ${operator}`, 'content-type': 'application/json' }, body: JSON.stringify({ spec: trainDemo.compile(), version: 'v1' }) });
    assert.equal(upload.status, 201, await upload.text());

    const page = browser.pages()[0] ?? (await browser.newPage());
    page.on('dialog', (d) => void d.accept());
    const browserErrors: string[] = [];
    page.on('pageerror', (err) => browserErrors.push(err.message));
    page.on('console', (msg) => {
      if (msg.type() === 'error') browserErrors.push(msg.text());
    });
    failureShot = async () => {
      await shot(page, 'failure');
      writeFileSync(`${shots}failure.html`, await page.content());
      process.stderr.write(`browser errors:\n${browserErrors.join('\n')}\n`);
    };
    await page.goto(`${base}/`);
    await page.getByRole('alert').filter({ hasText: 'API token' }).first().waitFor();
    await shot(page, '01-signed-out');
    await page.getByLabel('API token').fill(operator);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.locator('[data-testid=submit-form] select[name=pipeline] option', { hasText: 'train-demo' }).waitFor({ state: 'attached' });

    // submit → the run page, watched live through the SSE stream
    const submitRun = async (params: string): Promise<string> => {
      await page.goto(`${base}/console/#/runs`);
      await page.locator('[data-testid=submit-form] select[name=pipeline] option', { hasText: 'train-demo' }).waitFor({ state: 'attached' });
      await page.locator('[data-testid=submit-form] input[name=parameters]').fill(params);
      await page.getByRole('button', { name: 'Submit' }).click();
      await page.waitForURL(/#\/runs\/.+/);
      return (await page.getByTestId('run-id').textContent()) ?? '';
    };
    const first = await submitRun('{"epochs": 6, "learningRate": 0.1}');
    assert.ok(first);
    await page.locator('g.node[data-task=train][data-status=running]').waitFor({ timeout: 60_000 });
    await shot(page, '02-run-live');
    await page.locator('g.node[data-task=evaluate][data-status=succeeded]').waitFor({ timeout: 60_000 });
    await page.locator('h1 .badge[data-status=succeeded]').waitFor();
    assert.equal(await page.locator('g.node[data-task=prepare]').getAttribute('data-status'), 'succeeded');

    // logs of a step, picked in the graph
    await page.locator('g.node[data-task=train]').click();
    await page.getByTestId('step-logs').filter({ hasText: 'epoch 6/6' }).waitFor();
    // curves and confusion matrix from the step artifacts
    await page.locator('figure[data-chart=loss] polyline').first().waitFor();
    assert.equal(await page.locator('figure[data-chart=accuracy] polyline').count(), 2, 'train and validation accuracy');
    await page.getByTestId('confusion').waitFor();
    await shot(page, '03-run-logs-curves');

    const second = await submitRun('{"epochs": 6, "learningRate": 0.3}');
    await page.locator('h1 .badge[data-status=succeeded]').waitFor({ timeout: 60_000 });

    // compare the two from the runs list
    await page.goto(`${base}/console/#/runs`);
    await page.locator(`tr[data-run="${first}"] input[type=checkbox]`).check();
    await page.locator(`tr[data-run="${second}"] input[type=checkbox]`).check();
    await shot(page, '04-runs');
    await page.getByTestId('compare').click();
    await page.waitForURL(/#\/compare\?runs=/);
    const params = page.getByTestId('compare-params');
    await params.locator('tr.differs', { hasText: 'learningRate' }).waitFor();
    assert.match((await params.textContent()) ?? '', new RegExp(`${first}.*${second}`, 's'));
    await page.locator('figure[data-chart="loss (overlaid)"] polyline').nth(1).waitFor();
    await page.getByTestId('compare-metrics').locator('tr', { hasText: 'final.accuracy' }).waitFor();
    await shot(page, '05-compare');

    await page.goto(`${base}/console/#/pipelines/train-demo`);
    await page.locator('svg.dag g.node[data-task=evaluate]').waitFor();
    await shot(page, '06-pipeline-dag');

    // the model registry (served by the workers' API plugin): promotion is for admins only
    await page.goto(`${base}/console/#/models`);
    await page.getByText('No model registered yet.').waitFor();
    const promote = await fetch(`${base}/v1/models/signs/versions/1/promote`, { method: 'POST', headers: { authorization: `Bearer ${operator}`, 'content-type': 'application/json' }, body: '{"stage":"production"}' });
    assert.equal(promote.status, 403, 'an operator cannot promote');

    // the camera fleet and the live captions
    await page.goto(`${base}/console/#/cameras`);
    await page.getByTestId('cameras-table').locator('tr', { hasText: 'demo-rig.front' }).waitFor();
    await shot(page, '07-cameras');
    await page.goto(`${base}/console/#/live`);
    const live = page.frameLocator('iframe.live');
    await live.locator('a[href="/live/demo-rig"]').click();
    await live.getByText('HELLO').first().waitFor();
    await shot(page, '08-live');

    // a viewer sees runs but the API refuses its submit, and the console says why
    await page.getByLabel('API token').fill(viewer);
    await page.getByRole('button', { name: 'Change' }).click();
    await page.goto(`${base}/console/#/runs`);
    await page.locator(`tr[data-run="${first}"]`).waitFor();
    await page.locator('[data-testid=submit-form] select[name=pipeline] option', { hasText: 'train-demo' }).waitFor({ state: 'attached' });
    await page.getByRole('button', { name: 'Submit' }).click();
    await page.getByRole('alert').filter({ hasText: 'needs the operator role' }).waitFor();
    await shot(page, '09-viewer-refused');
    assert.equal(runs.listRuns({}).runs.length, 2, 'the viewer started nothing');
  } catch (err) {
    await failureShot?.();
    throw err;
  } finally {
    await browser.close();
    await api.close();
    for (const part of parts) await part.stop();
    runs.close();
    await feed.close();
    await nc.close();
  }
});
