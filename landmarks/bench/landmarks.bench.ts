/**
 * `npm run bench -w landmarks`: prints landmarks.fps, landmarks.fps_cpu, landmarks.fps_untracked(_cpu),
 * landmarks.fps_ratio_vs_untracked(_hands, _lite), landmarks.fps_ratio_ceiling, landmarks.fps_signer and landmarks.mean_px_error (see src/bench.ts).
 * Env: BENCH_FRAMES=n shortens the fps runs; BENCH_JSON=path also writes the metrics as JSON.
 */
import { writeFileSync } from 'node:fs';
import { runLandmarkBenchmarks } from '../src/bench.ts';

const frames = process.env['BENCH_FRAMES'] ? Number(process.env['BENCH_FRAMES']) : undefined;
const metrics = await runLandmarkBenchmarks(frames ? { frames } : {});
if (process.env['BENCH_JSON']) writeFileSync(process.env['BENCH_JSON'], JSON.stringify(metrics, null, 2) + '\n');
