/**
 * The real MediaPipe models on LiteRT, on the shared fixtures (tfjs-models, msl150).
 * Slow-ish (~1 min on 2 cores): named *.it.test.ts so `--only-unit` skips it.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { copyFileSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ValidationError } from '@signflow/core';
import { requireTool } from '@signflow/stack';
import { createDetector, flipHorizontal, liteRtMemory, readVideoFrames, VideoDecodeError, type VideoFrame } from '../src/index.ts';
import { fixture } from '../src/fixtures.ts';

const tfjs = (name: string) => fixture('tfjs-models', name);
let tmp = '';

before(() => {
  tmp = mkdtempSync(join(tmpdir(), 'signflow-landmarks-'));
});
after(() => {
  rmSync(tmp, { recursive: true, force: true });
});

async function firstFrame(path: string): Promise<VideoFrame> {
  for await (const f of readVideoFrames(path)) return f;
  throw new Error(`no frame in ${path}`);
}

async function collect(path: string, options = {}): Promise<VideoFrame[]> {
  const out: VideoFrame[] = [];
  for await (const f of readVideoFrames(path, options)) out.push(f);
  return out;
}

void test('golden hand clip: all 325 frames detected, mean x/y error ≤ 5 px (maxHands 1, tracking)', async () => {
  const reference = JSON.parse(readFileSync(tfjs('asl_hand.full.json'), 'utf8')) as [number, number, number][][];
  assert.equal(reference.length, 325);
  const detector = await createDetector('mediapipe', { maxHands: 1, pose: false });
  let sum = 0;
  let count = 0;
  let frames = 0;
  let tracked = 0;
  const missing: number[] = [];
  const handedness = new Set<string>();
  const started = performance.now();
  for await (const f of readVideoFrames(tfjs('asl_hand.25fps.mp4'))) {
    assert.equal(f.width, 620);
    assert.equal(f.height, 1080);
    frames++;
    const result = await detector.detect(f, f.timestampMs);
    if (result.tracked.hands) {
      tracked++;
      assert.equal(result.timings.palmDetectionMs, 0, 'palm detection is skipped while tracking');
    }
    const hand = result.hands[0];
    if (!hand) {
      missing.push(f.index);
      continue;
    }
    assert.equal(result.hands.length, 1);
    assert.equal(hand.landmarks.length, 21);
    assert.equal(hand.worldLandmarks.length, 21);
    handedness.add(hand.handedness);
    hand.landmarks.forEach((p, i) => {
      const q = reference[f.index]?.[i] as [number, number, number];
      sum += Math.hypot(p.x - q[0], p.y - q[1]);
      count++;
    });
  }
  await detector.close();
  const mean = sum / count;
  const seconds = (performance.now() - started) / 1000;
  console.log(`golden hand clip: mean error ${mean.toFixed(3)} px over ${frames} frames, ${tracked} tracked, ${seconds.toFixed(1)} s`);
  assert.equal(frames, 325);
  assert.deepEqual(missing, [], 'every frame has a hand');
  assert.ok(mean <= 5, `mean error ${mean} px`);
  assert.ok(tracked >= 300, `tracking held on ${tracked} frames`);
  // The clip shows a right hand fingerspelling, palm to the camera (thumb on the image's right).
  assert.deepEqual([...handedness], ['right']);
});

void test('the pose steers the new-hand check: fewer palm detections on a one-handed clip, no hand lost, none lost with hands held close', async () => {
  // asl_hand shows one hand; with maxHands 2 the tracker keeps looking for a second one. Alone it
  // looks every 5th frame; with the pose on, only when a pose wrist is outside the tracked hand.
  const frames = await collect(tfjs('asl_hand.25fps.mp4'), { width: 640, height: 480, fit: 'pad', maxFrames: 100 });
  const palmRuns = async (pose: boolean) => {
    const detector = await createDetector('mediapipe', { pose });
    let runs = 0;
    let withHand = 0;
    for (const f of frames) {
      const r = await detector.detect(f, f.timestampMs);
      if (r.timings.palmDetectionMs > 0) runs++;
      if (r.hands.length === 1) withHand++;
    }
    await detector.close();
    return { runs, withHand };
  };
  const handsOnly = await palmRuns(false);
  const guided = await palmRuns(true);
  assert.equal(handsOnly.withHand, 100);
  assert.equal(guided.withHand, 100);
  assert.ok(handsOnly.runs >= 18, `hands only: a palm check every 5th frame (${handsOnly.runs})`);
  assert.ok(guided.runs <= handsOnly.runs * 0.7, `pose-guided: ${guided.runs} palm detections vs ${handsOnly.runs}`);
  // Hands held close together (MSL-150 "ambulancia"): the pose must not take one hand's region for
  // the other's, so the second hand is found as often as without the pose.
  const signer = await collect(fixture('msl150', 'original_source', 'ambulancia_001.mp4'), { width: 640, height: 480, fit: 'pad' });
  const handsFound = async (pose: boolean) => {
    const detector = await createDetector('mediapipe', { pose });
    let n = 0;
    for (const f of signer) n += (await detector.detect(f, f.timestampMs)).hands.length;
    await detector.close();
    return n;
  };
  const without = await handsFound(false);
  assert.ok(without >= signer.length * 1.8, `hands only: ${without} hands in ${signer.length} frames (two most of the time)`);
  assert.ok((await handsFound(true)) >= without, 'the pose-guided check finds as many hands');
});

void test('hands.jpg: two hands, both the anatomical left (the same left hand twice); mirrored → both right', async () => {
  const image = await firstFrame(tfjs('hands.jpg'));
  const detector = await createDetector('mediapipe', { pose: false, tracking: false });
  const plain = await detector.detect(image, 0);
  assert.equal(plain.hands.length, 2);
  assert.deepEqual(
    plain.hands.map((h) => h.handedness),
    ['left', 'left'],
  );
  for (const h of plain.hands) assert.ok(h.score > 0.9 && h.handednessScore > 0.8);
  const xs = plain.hands.map((h) => h.landmarks[9]?.x ?? 0).sort((a, b) => a - b);
  assert.ok((xs[0] ?? 0) < 360 && (xs[1] ?? 0) > 360, 'one hand in each half');
  const flipped = flipHorizontal(image);
  const swapped = await detector.detect(flipped, 1);
  assert.deepEqual(
    swapped.hands.map((h) => h.handedness),
    ['right', 'right'],
  );
  await detector.close();
  // Declaring the flipped image as mirrored restores the anatomical labels, in the given image's coordinates.
  const mirroredDetector = await createDetector('mediapipe', { pose: false, tracking: false, mirrored: true });
  const restored = await mirroredDetector.detect(flipped, 0);
  assert.deepEqual(
    restored.hands.map((h) => h.handedness),
    ['left', 'left'],
  );
  // ... with coordinates in the given (mirrored) image: the plain detection's, mirrored.
  const wrists = (hands: typeof restored.hands, mirror: boolean) => hands.map((h) => (mirror ? image.width - (h.landmarks[0]?.x ?? 0) : (h.landmarks[0]?.x ?? 0))).sort((a, b) => a - b);
  const expected = wrists(plain.hands, true);
  wrists(restored.hands, false).forEach((x, i) => assert.ok(Math.abs(x - (expected[i] ?? 0)) < 1, `wrist x ${x} vs ${expected[i]}`));
  await mirroredDetector.close();
});

void test('a two-handed signer: hand labels agree with the pose wrists (anatomical left/right)', async () => {
  const detector = await createDetector('mediapipe', {});
  let agree = 0;
  let disagree = 0;
  let frames = 0;
  for await (const f of readVideoFrames(fixture('msl150', 'original_source', 'doctor_001.mp4'), { width: 640, height: 360, maxFrames: 30 })) {
    const r = await detector.detect(f, f.timestampMs);
    frames++;
    assert.ok(r.pose, `pose in frame ${f.index}`);
    const left = r.pose.landmarks[15];
    const right = r.pose.landmarks[16];
    assert.ok(left && right);
    // Facing the camera, the signer's left wrist is on the image's right.
    for (const h of r.hands) {
      const w = h.landmarks[0];
      assert.ok(w);
      const nearer = Math.hypot(w.x - left.x, w.y - left.y) < Math.hypot(w.x - right.x, w.y - right.y) ? 'left' : 'right';
      if (nearer === h.handedness) agree++;
      else disagree++;
    }
  }
  await detector.close();
  assert.equal(frames, 30);
  assert.ok(agree >= 30, `${agree} hands agree`);
  assert.ok(disagree <= agree * 0.05, `${disagree} of ${agree + disagree} hands disagree with the pose`);
});

void test('pose: pose.jpg has a full body; pose_squats within the upstream 31 px tolerance on every frame', async () => {
  const detector = await createDetector('mediapipe', { hands: false });
  const still = await detector.detect(await firstFrame(tfjs('pose.jpg')), 0);
  assert.ok(still.pose && still.pose.score > 0.9);
  assert.equal(still.pose.landmarks.length, 33);
  assert.equal(still.pose.worldLandmarks.length, 33);
  // Nose above the hips, shoulders visible, everything inside the 1000x667 image.
  const [nose, lhip, rhip] = [still.pose.landmarks[0], still.pose.landmarks[23], still.pose.landmarks[24]];
  assert.ok(nose && lhip && rhip && nose.y < lhip.y && nose.y < rhip.y);
  assert.ok((still.pose.landmarks[11]?.visibility ?? 0) > 0.9);
  for (const p of still.pose.landmarks) assert.ok(p.x > -50 && p.x < 1050 && p.y > -50 && p.y < 717);
  detector.reset();

  const reference = JSON.parse(readFileSync(tfjs('pose_squats.full.json'), 'utf8')) as [number, number, number][][];
  let frames = 0;
  let worst = 0;
  let sum = 0;
  for await (const f of readVideoFrames(tfjs('pose_squats.mp4'))) {
    const r = await detector.detect(f, f.timestampMs);
    assert.ok(r.pose, `pose in frame ${f.index}`);
    let frameSum = 0;
    r.pose.landmarks.forEach((p, i) => {
      const q = reference[f.index]?.[i] as [number, number, number];
      frameSum += Math.hypot(p.x - q[0], p.y - q[1]);
    });
    worst = Math.max(worst, frameSum / 33);
    sum += frameSum / 33;
    frames++;
  }
  await detector.close();
  console.log(`pose_squats: mean error ${(sum / frames).toFixed(2)} px, worst frame ${worst.toFixed(2)} px`);
  assert.equal(frames, 65);
  assert.ok(worst <= 31, `worst frame mean error ${worst} px`);
});

void test('face (optional): 468 landmarks on a person facing a phone camera, consistent with the pose; none on a blank image', async () => {
  const detector = await createDetector('mediapipe', { hands: false, face: true });
  let frames = 0;
  let worstNose = 0;
  for await (const f of readVideoFrames(fixture('pose-format', 'test_video.mp4'))) {
    const r = await detector.detect(f, f.timestampMs);
    frames++;
    assert.ok(r.face && r.pose, `face and pose in frame ${f.index}`);
    assert.equal(r.face.landmarks.length, 468);
    assert.ok(r.face.score > 0.9);
    if (f.index > 0) assert.equal(r.tracked.face, true);
    const [noseTip, rightEyeOuter, leftEyeOuter] = [r.face.landmarks[1], r.face.landmarks[33], r.face.landmarks[263]];
    const [poseNose, poseRightEye, poseLeftEye] = [r.pose.landmarks[0], r.pose.landmarks[5], r.pose.landmarks[2]];
    assert.ok(noseTip && rightEyeOuter && leftEyeOuter && poseNose && poseRightEye && poseLeftEye);
    const eyes = Math.hypot(poseLeftEye.x - poseRightEye.x, poseLeftEye.y - poseRightEye.y);
    const noseGap = Math.hypot(noseTip.x - poseNose.x, noseTip.y - poseNose.y);
    worstNose = Math.max(worstNose, noseGap / eyes);
    assert.ok(noseGap < 0.6 * eyes, `nose ${noseTip.x},${noseTip.y} vs pose ${poseNose.x},${poseNose.y}, eyes ${eyes} px apart`);
    // Same anatomical side convention as the pose: the right eye is on the image's left.
    assert.ok(rightEyeOuter.x < leftEyeOuter.x && poseRightEye.x < poseLeftEye.x);
  }
  assert.equal(frames, 58);
  console.log(`face: nose tip within ${worstNose.toFixed(2)} × the eye distance of the pose nose`);
  detector.reset();
  const blank = await detector.detect({ data: new Uint8Array(320 * 240 * 3).fill(128), width: 320, height: 240 }, 0);
  assert.equal(blank.face, null);
  await detector.close();
});

void test('memory: no LiteRT tensors survive a frame and the wasm heap stops growing after warm-up', async () => {
  const detector = await createDetector('mediapipe', {});
  const frames = await collect(tfjs('asl_hand.25fps.mp4'), { width: 640, height: 480, fit: 'pad', maxFrames: 60 });
  for (const f of frames.slice(0, 10)) await detector.detect(f, f.timestampMs);
  const warm = await liteRtMemory();
  const rssWarm = process.memoryUsage().rss;
  for (let round = 0; round < 2; round++) {
    detector.reset(); // alternate tracked and detection paths
    for (const f of frames) await detector.detect(f, f.timestampMs);
  }
  const end = await liteRtMemory();
  await detector.close();
  assert.equal(warm.liveTensors, 0);
  assert.equal(end.liveTensors, 0);
  assert.equal(end.wasmHeapBytes, warm.wasmHeapBytes, 'wasm heap grew');
  const rssGrowth = process.memoryUsage().rss - rssWarm;
  assert.ok(rssGrowth < 64 * 1024 * 1024, `rss grew by ${rssGrowth} bytes over 120 frames`);
});

void test('bad input: no person → empty result; wrong buffer → ValidationError; corrupt and truncated videos → VideoDecodeError', async () => {
  const detector = await createDetector('mediapipe', {});
  // A plain generated image: a soft gradient, no person.
  const w = 640;
  const h = 480;
  const data = new Uint8Array(w * h * 3);
  for (let i = 0; i < w * h; i++) data.fill(60 + ((i % w) >> 3), i * 3, i * 3 + 3);
  for (let t = 0; t < 3; t++) {
    const empty = await detector.detect({ data, width: w, height: h }, t * 40);
    assert.deepEqual(empty.hands, []);
    assert.equal(empty.pose, null);
  }
  // Calls that overlap are queued, not interleaved.
  const together = await Promise.all([0, 1, 2].map((i) => detector.detect({ data, width: w, height: h }, 120 + i * 40)));
  assert.deepEqual(
    together.map((r) => r.timestampMs),
    [120, 160, 200],
  );
  // An RGBA image works too.
  const rgba = new Uint8Array(w * h * 4).fill(255);
  assert.deepEqual((await detector.detect({ data: rgba, width: w, height: h }, 240)).hands, []);
  await assert.rejects(() => detector.detect({ data: data.subarray(1), width: w, height: h }, 300), ValidationError);
  await assert.rejects(() => detector.detect({ data, width: w, height: h }, Number.NaN), /timestampMs must be a finite number/);
  await detector.close();
  await assert.rejects(() => detector.detect({ data, width: w, height: h }, 400), /closed/);

  // Truncated (the index sits at the end of these files, so it is lost).
  const bytes = readFileSync(tfjs('asl_hand.25fps.mp4'));
  const truncated = join(tmp, 'truncated.mp4');
  writeFileSync(truncated, bytes.subarray(0, Math.floor(bytes.length * 0.4)));
  await assert.rejects(() => collect(truncated), (err: unknown) => err instanceof VideoDecodeError && /truncated\.mp4: ffprobe cannot read it/.test(err.message));
  // Truncated with the index first: frames decode until the cut, then a clear error.
  const faststart = join(tmp, 'faststart.mp4');
  const ffmpeg = requireTool('ffmpeg').path;
  assert.equal(spawnSync(ffmpeg, ['-v', 'error', '-y', '-i', tfjs('asl_hand.25fps.mp4'), '-c', 'copy', '-movflags', '+faststart', faststart]).status, 0);
  const fsBytes = readFileSync(faststart);
  const cut = join(tmp, 'cut.mp4');
  writeFileSync(cut, fsBytes.subarray(0, Math.floor(fsBytes.length * 0.5)));
  let decoded = 0;
  await assert.rejects(
    async () => {
      for await (const f of readVideoFrames(cut, { width: 160, height: 280 })) {
        assert.equal(f.index, decoded);
        decoded++;
      }
    },
    (err: unknown) => err instanceof VideoDecodeError && /cut\.mp4: .*(of the 325 frames|decode errors)/.test(err.message),
  );
  assert.ok(decoded > 50 && decoded < 325, `${decoded} frames before the cut`);
  const partial = await collect(cut, { width: 160, height: 280, allowPartial: true });
  assert.equal(partial.length, decoded);
  // Garbage bytes, an empty file and a missing file.
  const garbage = join(tmp, 'garbage.mp4');
  writeFileSync(garbage, Buffer.from('this is not a video'.repeat(100)));
  await assert.rejects(() => collect(garbage), VideoDecodeError);
  const emptyFile = join(tmp, 'empty.mp4');
  copyFileSync('/dev/null', emptyFile);
  await assert.rejects(() => collect(emptyFile), VideoDecodeError);
  await assert.rejects(() => collect(join(tmp, 'missing.mp4')), /no such file/);
});

void test('stopping early ends ffmpeg; frames are RGB of the requested size with timestamps from the frame rate', async () => {
  const frames: VideoFrame[] = [];
  for await (const f of readVideoFrames(tfjs('asl_hand.25fps.mp4'), { width: 64 })) {
    frames.push(f);
    if (frames.length === 3) break;
  }
  assert.equal(frames.length, 3);
  assert.equal(frames[0]?.width, 64);
  assert.equal(frames[0]?.height, 112);
  assert.equal(frames[0]?.data.length, 64 * 112 * 3);
  assert.deepEqual(
    frames.map((f) => f.timestampMs),
    [0, 40, 80],
  );
});

