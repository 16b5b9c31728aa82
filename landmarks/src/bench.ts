/**
 * Landmark benchmarks, as a function so other packages' benches can print them too
 * (`npm run bench -w landmarks` runs bench/landmarks.bench.ts, which calls this).
 * Metrics:
 * - landmarks.fps: hands + pose frames per second, end to end (decode excluded), on the fixture
 *   ASL clip letterboxed to 640x480, default detector (tracking, 2 hands, full models).
 * - landmarks.fps_cpu: the same per second of this process's CPU time: on a machine shared with
 *   other work, wall-clock fps swings with their load; CPU-time fps is what one free core gives.
 * - landmarks.fps_untracked, landmarks.fps_untracked_cpu: the same with detection on every frame (tracking: false).
 * - landmarks.fps_ratio_vs_untracked: fps_cpu / fps_untracked_cpu (goal >= 2), same (full) models
 *   in both modes; the note has each mode's time per stage.
 * - landmarks.fps_ratio_ceiling: the bound on that ratio with these models (the untracked run's time per
 *   frame over its landmark-model time: what tracking would give if it skipped every detector run for free).
 * - landmarks.fps_ratio_vs_untracked_hands: the same ratio with hands only (pose off).
 * - landmarks.fps_ratio_vs_untracked_lite: the same with the lite models in both modes (first 100 frames).
 * - landmarks.fps_signer: the same as landmarks.fps on a two-handed signer clip (MSL-150 "doctor").
 * - landmarks.mean_px_error: mean x/y error against the reference keypoints of the golden clip
 *   (620x1080, maxHands 1, hands only), all 325 frames (goal <= 5).
 */
import { existsSync, readFileSync } from 'node:fs';
import { reportFigure } from '@signflow/core';
import { join } from 'node:path';
import { createDetector } from './detector.js';
import { fixturesDir as defaultFixturesDir } from './fixtures.js';
import type { MediaPipeDetectorOptions } from './types.js';
import { readVideoFrames, type VideoFrame } from './video.js';

export interface LandmarkBenchOptions {
  /** The shared fixtures folder (default: SIGNFLOW_FIXTURES or ../shared/fixtures). */
  fixturesDir?: string;
  /** Frames per fps run (default: the whole clip). */
  frames?: number;
}

export type LandmarkBenchMetrics = Record<string, number>;

async function loadFrames(path: string, maxFrames?: number): Promise<VideoFrame[]> {
  const frames: VideoFrame[] = [];
  for await (const f of readVideoFrames(path, { width: 640, height: 480, fit: 'pad', ...(maxFrames ? { maxFrames } : {}) })) frames.push(f);
  return frames;
}

interface FpsRun {
  wall: number;
  cpu: number;
  /** Mean wall milliseconds per frame in each stage (the detector's own timings). */
  stages: { palm: number; hand: number; poseDetection: number; poseLandmark: number; other: number };
}

/** Frames per second of wall time, and per second of this process's CPU time (robust to other load on a shared machine). */
async function fps(frames: VideoFrame[], options: MediaPipeDetectorOptions): Promise<FpsRun> {
  const detector = await createDetector('mediapipe', options);
  try {
    // Warm-up: the first runs of each model are slower (XNNPack packs weights lazily).
    for (const f of frames.slice(0, 3)) await detector.detect(f, f.timestampMs);
    detector.reset();
    const sum = { palm: 0, hand: 0, poseDetection: 0, poseLandmark: 0, other: 0 };
    const t0 = performance.now();
    const c0 = process.cpuUsage();
    for (const f of frames) {
      const { timings: t } = await detector.detect(f, f.timestampMs);
      sum.palm += t.palmDetectionMs;
      sum.hand += t.handLandmarkMs;
      sum.poseDetection += t.poseDetectionMs;
      sum.poseLandmark += t.poseLandmarkMs;
      sum.other += t.totalMs - t.palmDetectionMs - t.handLandmarkMs - t.poseDetectionMs - t.poseLandmarkMs - t.faceMs;
    }
    const cpu = process.cpuUsage(c0);
    const n = frames.length;
    const stages = { palm: sum.palm / n, hand: sum.hand / n, poseDetection: sum.poseDetection / n, poseLandmark: sum.poseLandmark / n, other: sum.other / n };
    return { wall: n / ((performance.now() - t0) / 1000), cpu: n / ((cpu.user + cpu.system) / 1e6), stages };
  } finally {
    await detector.close();
  }
}

function stageNote(run: FpsRun): string {
  const s = run.stages;
  const ms = (v: number): string => v.toFixed(1);
  return `palm ${ms(s.palm)}, hand landmarks ${ms(s.hand)}, person ${ms(s.poseDetection)}, pose landmarks ${ms(s.poseLandmark)}, rest ${ms(s.other)} ms/frame (wall; each stage includes its crops and decoding)`;
}

/** Frames for the secondary lite-model ratio (it is there to show the trend, not a headline). */
const LITE_FRAMES = 100;

async function meanPxError(dir: string): Promise<{ error: number; detected: number; frames: number }> {
  const tfjs = join(dir, 'tfjs-models');
  const reference = JSON.parse(readFileSync(join(tfjs, 'asl_hand.full.json'), 'utf8')) as [number, number, number][][];
  const detector = await createDetector('mediapipe', { maxHands: 1, pose: false });
  let sum = 0;
  let n = 0;
  let detected = 0;
  let frames = 0;
  try {
    for await (const f of readVideoFrames(join(tfjs, 'asl_hand.25fps.mp4'))) {
      frames++;
      const hand = (await detector.detect(f, f.timestampMs)).hands[0];
      const ref = reference[f.index];
      if (!hand || !ref) continue;
      detected++;
      hand.landmarks.forEach((p, i) => {
        const q = ref[i] as [number, number, number];
        sum += Math.hypot(p.x - q[0], p.y - q[1]);
        n++;
      });
    }
  } finally {
    await detector.close();
  }
  return { error: n ? sum / n : NaN, detected, frames };
}

/** Runs the landmark benchmarks on the shared fixtures (about 2–3 minutes on 2 cores). */
export async function runLandmarkBenchmarks(options: LandmarkBenchOptions = {}): Promise<LandmarkBenchMetrics> {
  const dir = options.fixturesDir ?? defaultFixturesDir;
  const metrics: LandmarkBenchMetrics = {};
  const report = (metric: string, value: number, unit: string, baseline: number | null, note: string): void => {
    // One JSON line on stdout (core's reportFigure), the note on stderr.
    metrics[metric] = Number(value.toFixed(3));
    reportFigure(metric, value, unit, baseline);
    if (note) process.stderr.write(`  ${metric}: ${note}\n`);
  };
  const aslClip = join(dir, 'tfjs-models', 'asl_hand.25fps.mp4');
  const asl = await loadFrames(aslClip, options.frames);
  const tracked = await fps(asl, {});
  const untracked = await fps(asl, { tracking: false });
  report('landmarks.fps', tracked.wall, 'frames/s', untracked.wall, `hands+pose, ${asl.length} frames of asl_hand.25fps.mp4 letterboxed to 640x480, tracking on, wall clock`);
  report('landmarks.fps_cpu', tracked.cpu, 'frames/cpu-s', untracked.cpu, 'the same per CPU-second of this process (what one free core gives)');
  report('landmarks.fps_untracked', untracked.wall, 'frames/s', null, 'palm and person detection on every frame, wall clock');
  report('landmarks.fps_untracked_cpu', untracked.cpu, 'frames/cpu-s', null, 'the same per CPU-second');
  // The most tracking can give: the untracked run's time if every detector run were skipped at no cost.
  const u = untracked.stages;
  const ceiling = (u.palm + u.hand + u.poseDetection + u.poseLandmark + u.other) / (u.hand + u.poseLandmark + u.other);
  report(
    'landmarks.fps_ratio_vs_untracked',
    tracked.cpu / untracked.cpu,
    'ratio',
    null,
    `goal >= 2; from CPU time (wall-clock ratio ${(tracked.wall / untracked.wall).toFixed(2)}, skewed by other load); full models in both modes; tracked: ${stageNote(tracked)}; untracked: ${stageNote(untracked)}`,
  );
  report(
    'landmarks.fps_ratio_ceiling',
    ceiling,
    'ratio',
    null,
    `the bound on fps_ratio_vs_untracked with these models: untracked time per frame ÷ its landmark-model time (tracking cannot skip the hand and pose landmark models); the tracked run reaches ${((tracked.cpu / untracked.cpu / ceiling) * 100).toFixed(0)} % of it`,
  );
  // Hands alone (pose off): the tracking the MediaPipe hand pipeline does, without the pose model
  // that both modes run on every frame.
  const handsTracked = await fps(asl, { pose: false });
  const handsUntracked = await fps(asl, { pose: false, tracking: false });
  report(
    'landmarks.fps_ratio_vs_untracked_hands',
    handsTracked.cpu / handsUntracked.cpu,
    'ratio',
    null,
    `hands only (pose off), full models, the same frames (${handsTracked.cpu.toFixed(2)} vs ${handsUntracked.cpu.toFixed(2)} frames per CPU-second); tracked: ${stageNote(handsTracked)}`,
  );
  // The same comparison with the lite landmark and palm models (handModel/poseModel 'lite') in both modes.
  const liteFrames = asl.slice(0, LITE_FRAMES);
  const lite = { handModel: 'lite', poseModel: 'lite' } as const;
  const liteTracked = await fps(liteFrames, lite);
  const liteUntracked = await fps(liteFrames, { ...lite, tracking: false });
  report(
    'landmarks.fps_ratio_vs_untracked_lite',
    liteTracked.cpu / liteUntracked.cpu,
    'ratio',
    null,
    `secondary: lite models in both modes, first ${liteFrames.length} frames (${liteTracked.cpu.toFixed(2)} vs ${liteUntracked.cpu.toFixed(2)} frames per CPU-second); tracked: ${stageNote(liteTracked)}`,
  );
  const signerClip = join(dir, 'msl150', 'original_source', 'doctor_001.mp4');
  if (existsSync(signerClip)) {
    const signer = await loadFrames(signerClip, options.frames);
    const s = await fps(signer, {});
    report('landmarks.fps_signer', s.wall, 'frames/s', null, `hands+pose, ${signer.length} frames of msl150 doctor_001.mp4 (two hands, body) at 640x480, wall clock (${s.cpu.toFixed(2)} per CPU-second)`);
  }
  const golden = await meanPxError(dir);
  report('landmarks.mean_px_error', golden.error, 'px', null, `asl_hand golden clip, ${golden.detected}/${golden.frames} frames detected, goal <= 5`);
  return metrics;
}
