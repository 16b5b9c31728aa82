import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdirSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { connect } from '@nats-io/transport-node';
import type { NatsConnection } from '@nats-io/nats-core';
import { headers as natsHeaders } from '@nats-io/nats-core';
import { jetstream, jetstreamManager, StorageType } from '@nats-io/jetstream';
import { chromium, type BrowserContext, type Page } from 'playwright-core';
import { frameHeaderRecord, streams, subjects, toCaptureTimeNs, TokenStore, type Caption, type LandmarkPacket } from '@signflow/core';
import { repoRoot, requireTool } from '@signflow/stack';
import { fixture, startTestNats, tempDir, type TempDir, type TestNats } from '@signflow/testkit';
import { startLiveFeed, type LiveFeedServer } from '../../src/live/server.js';

const RIG = 'classroom';
const ARTIFACTS = join(repoRoot, 'test-artifacts', 'web-live');

let nats: TestNats;
let nc: NatsConnection;
let feed: LiveFeedServer;
let browser: BrowserContext;
let profile: TempDir;
let frames: { jpeg: Uint8Array; index: number }[];
let reference: number[][][];

before(async () => {
  nats = await startTestNats();
  nc = await connect({ servers: nats.url });
  const jsm = await jetstreamManager(nc);
  await jsm.streams.add({ name: streams.captions, subjects: [subjects.allCaptions], storage: StorageType.File });
  feed = await startLiveFeed({ nc, auth: 'off', hub: { thumbsPerSecond: 50, landmarksPerSecond: 100 } });
  // Real frames of the fixture clip (every 40th frame) and its reference hand landmarks.
  profile = await tempDir('signflow-chromium-');
  const out = join(profile.path, 'frames');
  mkdirSync(out);
  execFileSync(requireTool('ffmpeg').path, ['-loglevel', 'error', '-i', fixture('tfjs-models', 'asl_hand.25fps.mp4'), '-vf', "select='not(mod(n\\,40))',scale=310:540", '-vsync', '0', '-q:v', '5', join(out, '%03d.jpg')]);
  frames = readdirSync(out)
    .sort()
    .map((name, i) => ({ jpeg: readFileSync(join(out, name)), index: i * 40 }));
  reference = JSON.parse(readFileSync(fixture('tfjs-models', 'asl_hand.full.json'), 'utf8')) as number[][][];
  // A fresh profile in a temp dir, Debian's Chromium, the probe flags: nothing is downloaded.
  browser = await chromium.launchPersistentContext(join(profile.path, 'profile'), {
    executablePath: '/usr/bin/chromium',
    headless: true,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--no-first-run', '--disable-sync'],
    viewport: { width: 1280, height: 800 },
  });
  mkdirSync(ARTIFACTS, { recursive: true });
});

after(async () => {
  await browser?.close();
  await feed?.close();
  await nc?.close();
  await profile?.[Symbol.asyncDispose]();
  await nats?.[Symbol.asyncDispose]();
});

function caption(kind: 'partial' | 'final', segment: string, index: number, label: string, endMs: number, version = '3'): Caption {
  return {
    v: 1,
    rig: RIG,
    kind,
    segment,
    index,
    label,
    confidence: kind === 'final' ? 0.91 : 0.55,
    alternatives: [],
    startCaptureTimeNs: toCaptureTimeNs(endMs - 900),
    endCaptureTimeNs: toCaptureTimeNs(endMs),
    frames: 27,
    cameras: ['front'],
    model: { name: 'signs', version },
    emittedAtMs: Date.now(),
  };
}

async function publishFrame(camera: string, i: number): Promise<void> {
  const frame = frames[i % frames.length];
  assert.ok(frame);
  const now = BigInt(Date.now()) * 1_000_000n;
  const h = natsHeaders();
  for (const [k, v] of Object.entries(frameHeaderRecord({ rig: RIG, camera, seq: i, captureWallNs: now, captureMonoNs: now, width: 310, height: 540, encoding: 'jpeg', calibrationVersion: '' }))) h.set(k, v);
  nc.publish(subjects.frames(RIG, camera), frame.jpeg, { headers: h });
  const points = reference[frame.index] ?? [];
  const packet: LandmarkPacket = {
    v: 1,
    rig: RIG,
    camera,
    seq: i,
    captureTimeNs: now.toString(),
    width: 620,
    height: 1080,
    hands: [{ handedness: 'right', handednessScore: 0.98, score: 0.97, landmarks: points.flat() }],
    pose: null,
    detector: { name: 'reference', version: '1', models: {} },
  };
  nc.publish(subjects.landmarks(RIG, camera), JSON.stringify(packet));
  await nc.flush();
}

async function words(page: Page): Promise<{ label: string; kind: string; segment: string }[]> {
  return page.$$eval('#transcript .word', (els) => els.map((e) => ({ label: e.querySelector('.label')?.textContent ?? '', kind: (e as HTMLElement).dataset['kind'] ?? '', segment: (e as HTMLElement).dataset['segment'] ?? '' })));
}

test('the live page shows captions (partials replaced by finals), kept captions, thumbnails, landmark overlay, model and latency', async () => {
  const js = jetstream(nc);
  // A caption kept by the stream before the page opens comes back on load.
  await js.publish(subjects.captions(RIG), JSON.stringify(caption('final', 'classroom-1', 0, 'hoy', Date.now() - 5000)));

  const page = await browser.newPage();
  await page.goto(feed.pageUrl(RIG));
  await page.waitForFunction(() => document.querySelector('#conn')?.textContent?.includes('live'));
  await page.waitForFunction(() => document.querySelectorAll('#transcript .word').length === 1);

  for (let i = 0; i < 3; i++) await publishFrame('front', i);
  await publishFrame('side', 0);
  await page.waitForFunction(() => document.querySelectorAll('#thumbs button').length === 2);

  const end = Date.now();
  await js.publish(subjects.captions(RIG), JSON.stringify(caption('partial', 'classroom-40', 1, 'dolor', end - 300)));
  await page.waitForFunction(() => document.querySelector('#transcript .word.partial') !== null);
  assert.deepEqual((await words(page)).map((w) => w.kind), ['final', 'partial']);

  await js.publish(subjects.captions(RIG), JSON.stringify(caption('final', 'classroom-40', 1, 'doctor', end)));
  await page.waitForFunction(() => document.querySelectorAll('#transcript .word.partial').length === 0 && document.querySelectorAll('#transcript .word').length === 2);
  assert.deepEqual(await words(page), [
    { label: 'hoy', kind: 'final', segment: 'classroom-1' },
    { label: 'doctor', kind: 'final', segment: 'classroom-40' },
  ]);
  // A late partial of a finished sign does not bring the partial back.
  await js.publish(subjects.captions(RIG), JSON.stringify(caption('partial', 'classroom-40', 1, 'dolor', end - 100)));
  await publishFrame('front', 3);
  await page.waitForFunction(() => /signs v3/.test(document.querySelector('#model')?.textContent ?? ''));
  await page.waitForFunction(() => /p95 \d+ ms/.test(document.querySelector('#latency')?.textContent ?? ''));
  assert.equal((await words(page)).filter((w) => w.kind === 'partial').length, 0);

  // The selected camera's frame and its landmarks are drawn: the overlay colour appears on the canvas.
  await page.waitForFunction(() => {
    const c = document.querySelector('canvas');
    const ctx = c?.getContext('2d');
    if (!c || !ctx) return false;
    const data = ctx.getImageData(0, 0, c.width, c.height).data;
    let overlay = 0;
    for (let i = 0; i < data.length; i += 4) if ((data[i] ?? 0) < 100 && (data[i + 1] ?? 0) > 170 && (data[i + 2] ?? 0) > 230) overlay++;
    return overlay > 200;
  });
  assert.match((await page.textContent('#camera-title')) ?? '', /front/);
  await page.screenshot({ path: join(ARTIFACTS, 'live-desktop.png') });

  // Choosing the other camera switches the view.
  await page.click('#thumbs button[data-camera="side"]');
  await publishFrame('side', 1);
  await page.waitForFunction(() => /side/.test(document.querySelector('#camera-title')?.textContent ?? ''));

  // Phone screen: one column, captions first, nothing wider than the screen.
  const phone = await browser.newPage();
  await phone.setViewportSize({ width: 390, height: 844 });
  await phone.goto(feed.pageUrl(RIG));
  await phone.waitForFunction(() => document.querySelectorAll('#transcript .word.final').length === 2);
  await publishFrame('front', 2);
  await phone.waitForFunction(() => document.querySelectorAll('#thumbs img[src^="data:"]').length >= 1);
  const layout = await phone.evaluate(() => ({
    scrollWidth: document.documentElement.scrollWidth,
    captionsTop: document.querySelector('#captions')?.getBoundingClientRect().top ?? -1,
    viewTop: document.querySelector('#view')?.getBoundingClientRect().top ?? -1,
  }));
  assert.ok(layout.scrollWidth <= 390, `page is ${layout.scrollWidth}px wide on a 390px screen`);
  assert.ok(layout.captionsTop < layout.viewTop, 'captions come first on a phone');
  await phone.screenshot({ path: join(ARTIFACTS, 'live-phone.png'), fullPage: true });
  await phone.close();
  await page.close();
});

test('the feed rejects a bad rig name and lists rigs with captions', async () => {
  const bad = await fetch(`${feed.url}/api/live/bad.rig/events`);
  assert.equal(bad.status, 400);
  const rigs = (await (await fetch(`${feed.url}/api/rigs`)).json()) as string[];
  assert.ok(rigs.includes(RIG));
  const list = await (await fetch(`${feed.url}/live`)).text();
  assert.match(list, new RegExp(`/live/${RIG}`));
});

test('with the API tokens the feed needs a viewer: refused without (page and stream), a bearer header or a one-time ?token= that becomes an HttpOnly cookie lets a viewer in', async () => {
  await using dir = await tempDir('signflow-live-auth-');
  const tokens = new TokenStore(dir.path);
  const viewer = (await tokens.create({ name: 'viewer', role: 'viewer' })).token;
  await using guarded = await startLiveFeed({ nc, auth: tokens });
  const events = `${guarded.url}/api/live/${RIG}/events`;

  assert.equal((await fetch(`${guarded.url}/healthz`)).status, 200, 'health stays public');
  const page = await fetch(guarded.pageUrl(RIG));
  assert.equal(page.status, 401);
  assert.match(await page.text(), /name="token"/, 'a browser gets a sign-in form');
  const stream = await fetch(events);
  assert.equal(stream.status, 401);
  assert.equal(((await stream.json()) as { error: { code: string } }).error.code, 'UNAUTHENTICATED');
  assert.equal((await fetch(`${guarded.url}/api/rigs`, { headers: { authorization: 'Bearer sft_0123456789abcdef_not-a-real-token-aaaaaaaaaaaaaaaaaaaaaaaaaa' } })).status, 401, 'an unknown token is refused');

  // SSE with the Authorization header (a script, or fetch-based readers)
  const abort = new AbortController();
  const sse = await fetch(events, { headers: { authorization: `Bearer ${viewer}` }, signal: abort.signal });
  assert.equal(sse.status, 200);
  assert.equal(sse.headers.get('content-type'), 'text/event-stream');
  abort.abort();

  // ?token= once: a cookie and a redirect to the same URL without the token
  const once = await fetch(`${guarded.pageUrl(RIG)}?token=${encodeURIComponent(viewer)}`, { redirect: 'manual' });
  assert.equal(once.status, 303);
  assert.equal(once.headers.get('location'), `/live/${RIG}`);
  assert.match(once.headers.get('set-cookie') ?? '', /^signflow_live=.+; HttpOnly; SameSite=Lax; Path=\//);

  // in a browser, the page's EventSource rides on the cookie and captions arrive
  const tab = await browser.newPage();
  try {
    await tab.goto(`${guarded.pageUrl(RIG)}?token=${encodeURIComponent(viewer)}`);
    assert.equal(tab.url(), guarded.pageUrl(RIG), 'the token is gone from the address bar');
    await tab.waitForFunction(() => document.querySelector('#conn')?.textContent?.includes('live'));
    await jetstream(nc).publish(subjects.captions(RIG), JSON.stringify(caption('final', 'auth-1', 0, 'yo', Date.now())));
    await tab.locator('#transcript .word', { hasText: 'yo' }).first().waitFor({ timeout: 10_000 });
    await tab.screenshot({ path: join(ARTIFACTS, 'live-signed-in.png') });
  } finally {
    await tab.close();
  }
});
