// `npm run bench -w pipelines`: prints one JSON line per figure (see core/src/bench.ts).
//  - pipelines.step_overhead_ms_p50: a 100-step chain of no-op steps (`true`) on the local
//    executor, run by the real worker process on a real Temporal server. Per step: time from its
//    start to the next step's start, minus the step's own process time (the "work"). Baseline:
//    a bare Temporal activity round-trip (a workflow calling a no-op activity 100 times).
//  - pipelines.list_runs_ms_p95: the list-runs HTTP route (in-process inject) over 100k recorded
//    runs, mixed filters and deep pages. Baseline: the same queries forced to scan the table.
import { spawn } from 'node:child_process';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Client, Connection } from '@temporalio/client';
import { bundleWorkflowCode, Worker } from '@temporalio/worker';
import { createLogger, LocalArtifactStore, percentile, reportFigure } from '@signflow/core';
import { quietTemporalRuntime, startTestTemporal, tempDir, waitFor } from '@signflow/testkit';
import { component, pipeline, pipelinesDataPaths, RunService, RunStore, runWorkflowPath } from '../src/index.js';
import { createApiServer } from '../src/api/server.js';

const STEPS = Number(process.env["BENCH_STEPS"] ?? 100);
const RUNS = Number(process.env["BENCH_RUNS"] ?? 3);
const silent = { log: () => undefined, trace: () => undefined, debug: () => undefined, info: () => undefined, warn: () => undefined, error: () => undefined };
quietTemporalRuntime();

const noop = component({ name: 'noop', run: { command: ['true'] }, caching: false });
const chain = pipeline({
  name: 'bench-chain',
  build: (_p, b) => {
    let prev: { name: string } | undefined;
    for (let i = 0; i < STEPS; i++) {
      const t = b.task(noop, {}, { name: `s${i}` });
      if (prev) t.after(prev);
      prev = t;
    }
  },
});

// As `signflow up` starts it: eager activity dispatch on (see stack/src/supervisor.ts).
await using temporal = await startTestTemporal({ dynamicConfig: { 'system.enableActivityEagerExecution': true } });
await using dir = await tempDir('signflow-pipelines-bench-');
const connection = await Connection.connect({ address: temporal.address });
const client = new Client({ connection, namespace: temporal.namespace });
const paths = pipelinesDataPaths(dir.path);

// --- step overhead, through the worker process `signflow up` runs -------------------------------
const bundleFile = join(dir.path, 'bundle.js');
await writeFile(bundleFile, (await bundleWorkflowCode({ workflowsPath: runWorkflowPath, logger: silent })).code);
const workerMain = fileURLToPath(new URL('../../workers/src/worker/main.ts', import.meta.url));
const worker = spawn(process.execPath, ['--import', 'tsx', workerMain], {
  env: { ...process.env, SIGNFLOW_DATA_DIR: dir.path, SIGNFLOW_TEMPORAL_ADDRESS: temporal.address, SIGNFLOW_TEMPORAL_NAMESPACE: temporal.namespace, SIGNFLOW_PIPELINES_TASK_QUEUE: 'bench', SIGNFLOW_WORKFLOW_BUNDLE: bundleFile, SIGNFLOW_LOG_LEVEL: 'warn' },
  stdio: ['ignore', 'pipe', 'inherit'],
});
process.once('exit', () => worker.kill('SIGKILL'));
let said = '';
worker.stdout.on('data', (b: Buffer) => (said += b.toString()));
await waitFor('the worker process', async () => (said.includes('ready') ? true : undefined), { timeoutMs: 60_000 });

const runs = new RunStore(paths.runIndex);
const service = new RunService({ client, runs, store: new LocalArtifactStore(paths.artifacts), taskQueue: 'bench' });
const spec = chain.compile();
const overheads: number[] = [];
for (let r = 0; r <= RUNS; r++) {
  const { runId } = await service.submit({ spec });
  await client.workflow.getHandle(runId).result();
  const run = runs.getRun(runId);
  if (r === 0 || !run) continue; // the first run warms the worker up
  const steps = [...run.steps].sort((a, b) => Number(a.stepPath.slice(1)) - Number(b.stepPath.slice(1)));
  const ends = run.finishedAt ? Date.parse(run.finishedAt) : Date.now();
  steps.forEach((s, i) => {
    const start = Date.parse(s.startedAt ?? '');
    const next = steps[i + 1]?.startedAt;
    const slot = (next ? Date.parse(next) : ends) - start;
    overheads.push(slot - (s.workMs ?? 0));
  });
}
worker.kill('SIGTERM');

// Baseline: the bare activity round-trip on the same server.
const baselineDir = fileURLToPath(new URL('./baseline-workflow.ts', import.meta.url));
const baseWorker = await Worker.create({
  connection: await (await import('@temporalio/worker')).NativeConnection.connect({ address: temporal.address }),
  namespace: temporal.namespace,
  taskQueue: 'bench-baseline',
  workflowBundle: await bundleWorkflowCode({ workflowsPath: baselineDir, logger: silent }),
  activities: { noop: async () => undefined },
});
const perActivity = await baseWorker.runUntil(async () => {
  const samples: number[] = [];
  for (let r = 0; r <= RUNS; r++) {
    const started = performance.now();
    await client.workflow.execute('activityChain', { taskQueue: 'bench-baseline', workflowId: `baseline-${r}`, args: [STEPS] });
    if (r > 0) samples.push((performance.now() - started) / STEPS);
  }
  return percentile(samples, 50);
});
reportFigure('pipelines.step_overhead_ms_p50', percentile(overheads, 50), 'ms', perActivity);

// --- list runs over 100k recorded runs ---------------------------------------------------------
const big = new RunStore(join(dir.path, 'big.sqlite'));
const statuses = ['succeeded', 'failed', 'cancelled', 'running'] as const;
const t0 = Date.UTC(2026, 0, 1);
big.db.transaction(() => {
  for (let i = 0; i < 100_000; i++) {
    const runId = `run-${i.toString(36).padStart(6, '0')}`;
    big.insertQueuedRun({ runId, pipeline: `pipeline-${i % 20}`, experiment: `exp-${i % 50}`, parameters: { i, lr: 0.001 }, createdAt: new Date(t0 + i * 60_000).toISOString() });
  }
  big.db.prepare('UPDATE runs SET status = CASE rowid % 4 WHEN 0 THEN ? WHEN 1 THEN ? WHEN 2 THEN ? ELSE ? END').run(...statuses);
})();
const app = createApiServer({ service: new RunService({ client, runs: big, store: new LocalArtifactStore(paths.artifacts) }), runs: big, logger: createLogger('bench', { level: 'silent' }) });
const day = (d: number) => new Date(t0 + d * 86_400_000).toISOString();
const queries: string[] = [];
for (let i = 0; i < 40; i++) {
  queries.push('limit=50', `pipeline=pipeline-${i % 20}&limit=50`, `experiment=exp-${i % 50}&status=failed&limit=50`, `status=${statuses[i % 4]}&since=${day(i)}&until=${day(i + 7)}&limit=50`);
}
const tokenOf = async (q: string) => (JSON.parse((await app.inject({ url: `/v1/runs?${q}` })).body) as { nextPageToken?: string }).nextPageToken ?? '';
let deep = 'limit=100';
for (let p = 0; p < 30; p++) deep = `limit=100&pageToken=${await tokenOf(deep)}`;
queries.push(...Array.from({ length: 40 }, () => deep));

const timed = async (q: string): Promise<number> => {
  const started = performance.now();
  const res = await app.inject({ url: `/v1/runs?${q}` });
  if (res.statusCode !== 200) throw new Error(`list ${q}: HTTP ${res.statusCode} ${res.body}`);
  return performance.now() - started;
};
for (const q of queries.slice(0, 10)) await timed(q);
const latencies: number[] = [];
for (const q of queries) latencies.push(await timed(q));
// Baseline: the same filters with the indexes unused (a scan of the whole table).
const scan: number[] = [];
const scanSql = big.db.prepare('SELECT * FROM runs NOT INDEXED WHERE (? IS NULL OR pipeline = ?) ORDER BY created_at DESC, run_id DESC LIMIT 51');
for (let i = 0; i < 40; i++) {
  const started = performance.now();
  scanSql.all(`pipeline-${i % 20}`, `pipeline-${i % 20}`);
  scan.push(performance.now() - started);
}
reportFigure('pipelines.list_runs_ms_p95', percentile(latencies, 95), 'ms', percentile(scan, 95));

await app.close();
big.close();
runs.close();
await connection.close();
