// Browser test of the console (npm run test:e2e -w web), the acceptance: a newcomer who
// ran README command 1 signs in with the admin token `signflow up` printed, sees the demo run of
// the catalog sign-recognition pipeline on the MSL-150 fixture (its DAG with live step states, a
// step's logs, training curves and confusion matrix), compares it with a second run, promotes the
// model with confirmation, watches live captions, and a viewer is refused on submit and promote.
// Real Temporal, real pipeline worker and steps (tfjs-node training), NATS with the generated
// users, headless Chromium. Screenshots go to test-artifacts/console/ (git-ignored).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { chromium, type Page } from 'playwright-core';
import { jetstream } from '@nats-io/jetstream';
import { Kvm } from '@nats-io/kv';
import { kvBuckets, subjects, toCaptureTimeNs, type Caption } from '@signflow/core';
import { pipelinesDataPaths, RunStore, signRecognition } from '@signflow/pipelines';
import { fixture, tempDir } from '@signflow/testkit';
import { startConsoleStack } from './stack.js';

const shots = fileURLToPath(new URL('../../../test-artifacts/console/', import.meta.url));
const CHROMIUM_ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--no-first-run', '--disable-sync'];
const RIG = 'demo';

async function shot(page: Page, name: string): Promise<void> {
  await page.screenshot({ path: `${shots}${name}.png`, fullPage: true });
}

function caption(label: string, index: number): Caption {
  const end = Date.now();
  return {
    v: 1, rig: RIG, kind: 'final', segment: `s${index}`, index: 0, label, confidence: 0.93, alternatives: [],
    startCaptureTimeNs: toCaptureTimeNs(end - 900), endCaptureTimeNs: toCaptureTimeNs(end), frames: 27, cameras: ['front'],
    model: { name: 'sign-recognition', version: '1' }, emittedAtMs: end,
  };
}

/** The demo's parameters (scripts/demo.d/30-pipeline.sh), with a small, quick GRU. */
function demoParams(learningRate: number, epochs: number): string {
  return JSON.stringify({
    sourceKind: 'msl150',
    sourcePath: fixture('msl150', 'sample_npy'),
    splitMethod: 'stratified-kfold',
    folds: 3,
    train: { model: { architecture: 'gru', units: 16, dropout: 0.1 }, epochs, learningRate },
  });
}

test('console acceptance: sign in, the sign-recognition run on MSL-150 with its live DAG, logs, curves and confusion matrix, compare two runs, promote with confirmation, live captions; a viewer is refused on submit and promote', { timeout: 420_000 }, async () => {
  mkdirSync(shots, { recursive: true });
  await using stack = await startConsoleStack();
  const { base } = stack;
  // a camera heartbeat for the fleet page, written as the service user
  await (await new Kvm(stack.service).open(kvBuckets.cameras)).put(`${RIG}.front`, JSON.stringify({ rig: RIG, camera: 'front', role: 'body', state: 'streaming', fps: 14.8, framesCaptured: 903, framesSent: 900, dropped: 3, buffered: 0, restarts: 0, lastError: null }));
  const runs = new RunStore(pipelinesDataPaths(stack.config.dataDir).runIndex);

  await using profile = await tempDir('signflow-chromium-');
  const browser = await chromium.launchPersistentContext(profile.path, { executablePath: '/usr/bin/chromium', args: CHROMIUM_ARGS, viewport: { width: 1360, height: 900 } });
  let failureShot: (() => Promise<void>) | undefined;
  try {
    // auth is on from the start: anonymous callers are refused; the pipeline is uploaded as the demo does
    assert.equal((await fetch(`${base}/v1/runs`)).status, 401);
    const upload = await fetch(`${base}/v1/pipelines`, { method: 'POST', headers: { authorization: `Bearer ${stack.operatorToken}`, 'content-type': 'application/json' }, body: JSON.stringify({ spec: signRecognition.compile(), version: 'v1' }) });
    assert.equal(upload.status, 201, await upload.text());

    const page = browser.pages()[0] ?? (await browser.newPage());
    const dialogs: string[] = [];
    page.on('dialog', (d) => {
      dialogs.push(d.message());
      void d.accept();
    });
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

    // signed out: the console asks for a token; the newcomer pastes the one `signflow up` printed
    await page.goto(`${base}/`);
    await page.getByRole('alert').filter({ hasText: 'API token' }).first().waitFor();
    await shot(page, '01-signed-out');
    await page.getByLabel('API token').fill(stack.adminToken);
    await page.getByRole('button', { name: 'Sign in' }).click();
    const pipelineOption = page.locator('[data-testid=submit-form] select[name=pipeline] option', { hasText: 'sign-recognition' });
    await pipelineOption.waitFor({ state: 'attached' });

    const submitRun = async (params: string): Promise<string> => {
      await page.goto(`${base}/console/#/runs`);
      await pipelineOption.waitFor({ state: 'attached' });
      await page.locator('[data-testid=submit-form] input[name=parameters]').fill(params);
      await page.getByRole('button', { name: 'Submit' }).click();
      await page.waitForURL(/#\/runs\/.+/);
      const id = (await page.getByTestId('run-id').textContent()) ?? '';
      assert.ok(id, 'the run page names its run');
      return id;
    };

    // the run's DAG with live step states
    const first = await submitRun(demoParams(0.003, 4));
    await page.locator('g.node[data-task=import]').waitFor();
    await page.locator('g.node[data-task=train][data-status=running]').waitFor({ timeout: 120_000 });
    assert.equal(await page.locator('g.node[data-task=split]').getAttribute('data-status'), 'succeeded', 'earlier steps are done while train runs');
    assert.equal(await page.locator('g.node[data-task=register]').getAttribute('data-status') ?? 'pending', 'pending');
    await shot(page, '02-run-live-dag');
    await page.locator('h1 .badge[data-status=succeeded]').waitFor({ timeout: 150_000 });
    for (const task of ['import', 'split', 'train', 'evaluate', 'register']) {
      assert.equal(await page.locator(`g.node[data-task=${task}]`).getAttribute('data-status'), 'succeeded', task);
    }

    // a step's logs, picked in the graph
    await page.locator('g.node[data-task=import]').click();
    await page.getByTestId('step-logs').filter({ hasText: /samples, \d+ classes/ }).waitFor();
    // training curves (per epoch) and the evaluation's confusion matrix
    await page.locator('figure[data-chart=loss] polyline').first().waitFor();
    assert.ok((await page.locator('figure[data-chart=accuracy] polyline').count()) >= 1, 'an accuracy curve');
    await page.getByTestId('confusion').waitFor();
    assert.equal(await page.getByTestId('confusion').locator('tbody tr').count(), 5, 'the five MSL-150 fixture signs');
    await shot(page, '03-run-logs-curves-confusion');

    const second = await submitRun(demoParams(0.01, 6));
    await page.locator('h1 .badge[data-status=succeeded]').waitFor({ timeout: 150_000 });

    // compare the two: params and metrics side by side, curves overlaid
    await page.goto(`${base}/console/#/runs`);
    await page.locator(`tr[data-run="${first}"] input[type=checkbox]`).check();
    await page.locator(`tr[data-run="${second}"] input[type=checkbox]`).check();
    await shot(page, '04-runs');
    await page.getByTestId('compare').click();
    await page.waitForURL(/#\/compare\?runs=/);
    const params = page.getByTestId('compare-params');
    await params.locator('tr.differs', { hasText: 'train' }).waitFor();
    assert.match((await params.textContent()) ?? '', new RegExp(`${first}.*${second}`, 's'));
    await page.locator('figure[data-chart="loss (overlaid)"] polyline').nth(1).waitFor();
    await page.getByTestId('compare-metrics').locator('tr', { hasText: 'final.accuracy' }).waitFor();
    await shot(page, '05-compare');

    await page.goto(`${base}/console/#/pipelines/sign-recognition`);
    await page.locator('svg.dag g.node[data-task=evaluate]').waitFor();
    await shot(page, '06-pipeline-dag');

    // the registry: both runs registered a version; promotion and rollback ask for confirmation
    await page.goto(`${base}/console/#/models`);
    const model = page.locator('.card', { hasText: 'sign-recognition' });
    await model.locator('tbody tr').nth(1).waitFor();
    await model.locator('tbody tr', { hasText: first }).getByRole('button', { name: '→ production' }).click();
    await model.locator('tbody tr', { hasText: first }).locator('.badge[data-status=production]').waitFor();
    assert.match(dialogs.at(-1) ?? '', /^Promote sign-recognition v\d+ to production\?$/);
    // promote the second run's version, then roll back to the first: each asks first
    await model.locator('tbody tr', { hasText: second }).getByRole('button', { name: '→ production' }).click();
    await model.locator('tbody tr', { hasText: second }).locator('.badge[data-status=production]').waitFor();
    await page.getByTestId('rollback-sign-recognition').click();
    await model.locator('tbody tr', { hasText: first }).locator('.badge[data-status=production]').waitFor();
    await model.locator('tbody tr', { hasText: second }).locator('.badge[data-status=archived]').waitFor();
    assert.equal(dialogs.at(-1), 'Roll sign-recognition back to its previous production version?');
    await shot(page, '07-models');

    // the dataset version the runs imported, with its class and signer counts
    await page.goto(`${base}/console/#/datasets`);
    await page.getByTestId('datasets-table').locator('tbody tr', { hasText: 'signs' }).first().locator('a').click();
    const classes = page.getByTestId('dataset-classes').locator('tbody tr');
    await classes.filter({ hasText: 'ambulancia' }).waitFor();
    assert.equal(await classes.count(), 5, 'the five MSL-150 signs');
    await shot(page, '075-datasets');

    // fleet status and live captions, published on the stack's NATS as the transcriber would
    await page.goto(`${base}/console/#/cameras`);
    await page.getByTestId('cameras-table').locator('tr', { hasText: `${RIG}.front` }).waitFor();
    await shot(page, '08-cameras');
    const js = jetstream(stack.service);
    await js.publish(subjects.captions(RIG), JSON.stringify(caption('doctor', 1)));
    await page.goto(`${base}/console/#/live`);
    const live = page.frameLocator('iframe.live');
    await live.locator(`a[href="/live/${RIG}"]`).click();
    await live.getByText('doctor').first().waitFor();
    await js.publish(subjects.captions(RIG), JSON.stringify(caption('ambulancia', 2)));
    await live.getByText('ambulancia').first().waitFor();
    await shot(page, '09-live-captions');

    // a viewer reads, but submit and promote are refused and the console says why
    await page.goto(`${base}/console/#/runs`);
    await page.getByLabel('API token').fill(stack.viewerToken);
    await page.getByRole('button', { name: 'Change' }).click();
    await page.locator(`tr[data-run="${first}"]`).waitFor();
    await pipelineOption.waitFor({ state: 'attached' });
    await page.getByRole('button', { name: 'Submit' }).click();
    await page.getByRole('alert').filter({ hasText: 'needs the operator role' }).waitFor();
    await shot(page, '10-viewer-submit-refused');
    await page.goto(`${base}/console/#/models`);
    const dialogsBefore = dialogs.length;
    await model.locator('tbody tr', { hasText: second }).getByRole('button', { name: '→ production' }).click();
    await page.getByRole('alert').filter({ hasText: 'needs the admin role' }).waitFor();
    assert.equal(dialogs.length, dialogsBefore + 1, 'the viewer was asked to confirm, then refused by the API');
    await model.locator('tbody tr', { hasText: first }).locator('.badge[data-status=production]').waitFor();
    await shot(page, '11-viewer-promote-refused');
    assert.equal(runs.listRuns({}).runs.length, 2, 'the viewer started nothing');
  } catch (err) {
    await failureShot?.();
    throw err;
  } finally {
    await browser.close();
    runs.close();
  }
});
