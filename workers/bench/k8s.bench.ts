/**
 * Kubernetes executor benchmark (prints JSON lines, see core's reportFigure), on the test control
 * plane (real kube-apiserver, etcd, controller-manager, scheduler; kwok as the kubelet):
 * - k8s.step_overhead_ms_p50 / _p95: the executor's own share of a step, i.e. from run() called
 *   (activity start) to its Job created, plus from the pod's Succeeded status reaching the
 *   executor's informer to run() resolved (log copy finished). Goal ≤ 1000.
 * - k8s.step_wall_ms_p50: run() called → resolved for a step that "runs" 0 s, the whole round
 *   trip through Job controller, scheduler and kwok.
 * Steps run one after another (K8S_BENCH_STEPS, default 20), after 2 warm-up steps.
 * Run: node --import tsx bench/k8s.bench.ts  (from workers/)
 */
import { performance } from 'node:perf_hooks';
import { percentile, reportFigure } from '@signflow/core';
import { KubernetesExecutor } from '../src/executors/kubernetes/index.js';
import { startTestCluster } from '../test/k8s-harness/index.js';

process.env['SIGNFLOW_LOG_LEVEL'] ??= 'warn';
const STEPS = Number(process.env['K8S_BENCH_STEPS'] ?? 20);
const WARMUP = 2;

await using cluster = await startTestCluster({ gpus: 1 });
const namespace = await cluster.createNamespace('bench');
await cluster.writeContainerLog(['step output line']);
const marks = new Map<string, { created?: number; seen?: number }>();
await using executor = new KubernetesExecutor(
  { namespace, defaultImage: 'ghcr.io/signflow/signflow:bench' },
  { kubeConfig: cluster.kubeConfig(), trace: (event, job) => {
    const m = marks.get(job) ?? {};
    if (event === 'job-created') m.created = performance.now();
    else m.seen = performance.now();
    marks.set(job, m);
  } },
);
const ctx = { signal: new AbortController().signal, heartbeat: () => undefined, logs: { write: () => Promise.resolve() } };

const overhead: number[] = [];
const wall: number[] = [];
for (let i = 0; i < WARMUP + STEPS; i++) {
  marks.clear();
  const started = performance.now();
  const outcome = await executor.run({ runId: `bench-${i}`, stepId: 'noop', attempt: 1, command: ['true'], env: {}, resources: { cpu: '100m', memory: '64Mi' } }, ctx);
  const done = performance.now();
  if (outcome.status !== 'succeeded') throw new Error(`bench step ${i} ${outcome.status}: ${outcome.reason}`);
  const [m] = [...marks.values()];
  if (m?.created === undefined || m.seen === undefined) throw new Error('trace marks missing');
  if (i < WARMUP) continue;
  overhead.push(m.created - started + (done - m.seen));
  wall.push(done - started);
}
reportFigure('k8s.step_overhead_ms_p50', percentile(overhead, 50), 'ms');
reportFigure('k8s.step_overhead_ms_p95', percentile(overhead, 95), 'ms');
reportFigure('k8s.step_wall_ms_p50', percentile(wall, 50), 'ms');
