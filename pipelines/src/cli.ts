import { readFile, writeFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { Command } from 'commander';
import { localApiToken, ValidationError, type CliContext, type SignflowConfig } from '@signflow/core';
import { PipelinesClient } from './api/client.js';
import type { Pipeline } from './dsl/pipeline.js';
import type { PipelineSpec } from './spec/schema.js';
import { validateSpec } from './spec/validate.js';
import type { RunRow, StepRow } from './runs/store.js';
import { progressView } from './watch-progress.js';

/** The API the CLI talks to: SIGNFLOW_API_URL, else the configured host and port (what `signflow up` serves). */
export function apiUrl(config: SignflowConfig): string {
  return process.env['SIGNFLOW_API_URL'] ?? `http://${config.api.host}:${config.api.port}`;
}

function table(head: string[], rows: (string | number | null | undefined)[][]): string {
  const cells = [head, ...rows.map((r) => r.map((c) => (c === null || c === undefined ? '' : String(c))))];
  const widths = head.map((_, i) => Math.max(...cells.map((r) => (r[i] ?? '').length)));
  return cells.map((r) => r.map((c, i) => (c ?? '').padEnd(widths[i] ?? 0)).join('  ').trimEnd()).join('\n');
}

function isPipeline(value: unknown): value is Pipeline {
  return typeof value === 'object' && value !== null && (value as { kind?: unknown }).kind === 'pipeline' && typeof (value as { compile?: unknown }).compile === 'function';
}

/** Compiles the pipelines a .ts/.js module exports (or reads a .json spec, validated). */
export async function loadSpecs(file: string, exportName?: string): Promise<PipelineSpec[]> {
  const path = resolve(file);
  if (path.endsWith('.json')) return [validateSpec(JSON.parse(await readFile(path, 'utf8')))];
  const mod = (await import(pathToFileURL(path).href)) as Record<string, unknown>;
  const found = Object.entries(mod).filter(([name, v]) => isPipeline(v) && (exportName === undefined || name === exportName));
  if (found.length === 0) throw new ValidationError(file, [{ path: exportName ?? '', message: 'exports no pipeline (a value made with pipeline({...}))' }]);
  return found.map(([, p]) => (p as Pipeline).compile());
}

/** `-p key=value` (value parsed as JSON when it is JSON, else a string). */
function collectParam(value: string, previous: Record<string, unknown>): Record<string, unknown> {
  const eq = value.indexOf('=');
  if (eq <= 0) throw new ValidationError('--param', [{ path: value, message: 'expected key=value' }]);
  const raw = value.slice(eq + 1);
  let parsed: unknown = raw;
  try {
    parsed = JSON.parse(raw);
  } catch {
    // a plain string
  }
  return { ...previous, [value.slice(0, eq)]: parsed };
}

const ms = (a: string | null, b: string | null): string => (a && b ? `${((Date.parse(b) - Date.parse(a)) / 1000).toFixed(1)}s` : '');
const runLine = (r: RunRow) => [r.runId, r.pipeline, r.experiment, r.status, r.createdAt, ms(r.startedAt, r.finishedAt)];
const stepLine = (s: StepRow) => [s.stepPath, s.component, s.status, s.attempt, ms(s.startedAt, s.finishedAt), s.error?.split('\n')[0]];

async function watch(client: PipelinesClient, runId: string, json: boolean): Promise<RunRow> {
  const seen = new Map<string, string>();
  const progress = progressView({ json });
  // Log offsets of the steps whose epoch progress is being followed (by step and attempt).
  const offsets = new Map<string, number>();
  const follow = async (s: StepRow) => {
    const key = `${s.stepPath}#${s.attempt}`;
    const log = await client.logs(runId, s.stepPath, { attempt: s.attempt, offset: offsets.get(key) ?? 0 }).catch(() => undefined);
    if (!log) return;
    const whole = log.text.slice(0, log.text.lastIndexOf('\n') + 1); // a line still being written waits
    offsets.set(key, (offsets.get(key) ?? 0) + Buffer.byteLength(whole));
    progress.feed(s.stepPath, whole);
  };
  for (;;) {
    const run = await client.run(runId);
    for (const s of run.steps) {
      if (s.status === 'running' || offsets.has(`${s.stepPath}#${s.attempt}`)) await follow(s);
      const key = `${s.status}/${s.attempt}`;
      if (seen.get(s.stepPath) === key) continue;
      seen.set(s.stepPath, key);
      if (s.status !== 'running') {
        if (!offsets.has(`${s.stepPath}#${s.attempt}`) && s.status === 'succeeded') await follow(s);
        offsets.delete(`${s.stepPath}#${s.attempt}`);
        progress.end(s.stepPath);
      }
      process.stdout.write(json ? `${JSON.stringify({ step: s.stepPath, status: s.status, attempt: s.attempt })}\n` : `${new Date().toISOString().slice(11, 19)}  ${s.stepPath.padEnd(32)} ${s.status}${s.attempt > 1 ? ` (attempt ${s.attempt})` : ''}\n`);
    }
    if (['succeeded', 'failed', 'cancelled'].includes(run.status)) {
      progress.stop();
      process.stdout.write(json ? `${JSON.stringify({ run: runId, status: run.status, error: run.error })}\n` : `run ${runId} ${run.status}${run.error ? `: ${run.error.split('\n')[0]}` : ''}\n`);
      return run;
    }
    await new Promise((r) => setTimeout(r, 500));
  }
}

export function registerCommands(program: Command, ctx: CliContext): void {
  // the token: SIGNFLOW_API_TOKEN, else the admin token `signflow up` left in the data dir
  const client = (): PipelinesClient => new PipelinesClient(apiUrl(ctx.loadConfig()), { token: localApiToken(ctx.loadConfig()) });
  const json = (): boolean => program.opts<{ json?: boolean }>().json === true;

  const pipe = program.command('pipeline').description('compile, upload and list pipelines');
  pipe
    .command('compile <file>')
    .description('compile the pipelines a .ts module exports into JSON specs (validated)')
    .option('--export <name>', 'only this export')
    .option('-o, --out <file>', 'write the spec here instead of stdout')
    .action(async (file: string, o: { export?: string; out?: string }) => {
      const specs = await loadSpecs(file, o.export);
      const text = `${JSON.stringify(specs.length === 1 ? specs[0] : specs, null, 2)}\n`;
      if (o.out) await writeFile(o.out, text);
      else process.stdout.write(text);
    });
  pipe
    .command('upload <file>')
    .description('upload a compiled spec (.json) or the pipelines of a .ts module')
    .option('--export <name>', 'only this export')
    .option('--version <label>', 'version label (default: digest prefix)')
    .action(async (file: string, o: { export?: string; version?: string }) => {
      const out: { name: string; version: string; digest: string }[] = [];
      for (const spec of await loadSpecs(file, o.export)) out.push(await client().upload(spec, o.version));
      ctx.output(out, () => table(['NAME', 'VERSION', 'DIGEST'], out.map((p) => [p.name, p.version, p.digest.slice(0, 12)])));
    });
  pipe
    .command('ls')
    .description('list uploaded pipelines')
    .action(async () => {
      const { pipelines } = await client().pipelines();
      ctx.output(pipelines, () => table(['NAME', 'VERSION', 'DIGEST', 'UPLOADED'], pipelines.map((p) => [p.name, p.version, p.digest.slice(0, 12), p.createdAt])));
    });

  const run = program.command('run').description('submit, list, inspect, cancel and retry runs');
  run
    .command('submit <pipeline>')
    .description('run an uploaded pipeline (name[@version]) or a spec/module file')
    .option('-p, --param <key=value>', 'a pipeline parameter (repeatable; JSON values allowed)', collectParam, {})
    .option('--experiment <name>', 'group the run under an experiment')
    .option('--watch', 'follow step progress until the run ends')
    .action(async (target: string, o: { param: Record<string, unknown>; experiment?: string; watch?: boolean }) => {
      const fromFile = /\.(ts|js|mjs|json)$/.test(target);
      const [name, version] = target.split('@');
      const spec = fromFile ? (await loadSpecs(target))[0] : undefined;
      const req = { parameters: o.param, ...(spec ? { spec } : { pipeline: name ?? target, ...(version ? { version } : {}) }), ...(o.experiment ? { experiment: o.experiment } : {}) };
      const { runId } = await client().submit(req);
      if (!o.watch) return ctx.output({ runId }, () => `submitted run ${runId}`);
      const final = await watch(client(), runId, json());
      if (final.status !== 'succeeded') process.exitCode = 1;
    });
  run
    .command('ls')
    .description('list runs, newest first')
    .option('--pipeline <name>')
    .option('--experiment <name>')
    .option('--status <status>', 'queued, running, succeeded, failed or cancelled')
    .option('--since <time>', 'ISO time')
    .option('--until <time>', 'ISO time')
    .option('--limit <n>', 'page size', '20')
    .option('--page-token <token>', 'the next page of an earlier listing')
    .action(async (o: Record<string, string | undefined>) => {
      const page = await client().runs({ pipeline: o['pipeline'], experiment: o['experiment'], status: o['status'], since: o['since'], until: o['until'], limit: o['limit'], pageToken: o['pageToken'] });
      ctx.output(page, () => `${table(['RUN', 'PIPELINE', 'EXPERIMENT', 'STATUS', 'CREATED', 'TOOK'], page.runs.map(runLine))}${page.nextPageToken ? `\nmore: --page-token ${page.nextPageToken}` : ''}`);
    });
  run
    .command('get <runId>')
    .description('a run: status, parameters, outputs and each step')
    .action(async (runId: string) => {
      const r = await client().run(runId);
      ctx.output(r, () => `${table(['RUN', 'PIPELINE', 'EXPERIMENT', 'STATUS', 'CREATED', 'TOOK'], [runLine(r)])}\n\n${table(['STEP', 'COMPONENT', 'STATUS', 'ATTEMPT', 'TOOK', 'ERROR'], r.steps.map(stepLine))}${r.error ? `\n\nerror: ${r.error}` : ''}`);
    });
  run
    .command('logs <runId> <step>')
    .description("a step's log (latest attempt unless --attempt)")
    .option('--attempt <n>')
    .option('-f, --follow', 'keep printing until the run ends')
    .action(async (runId: string, step: string, o: { attempt?: string; follow?: boolean }) => {
      let offset = 0;
      for (;;) {
        const log = await client().logs(runId, step, { offset, ...(o.attempt ? { attempt: Number(o.attempt) } : {}) });
        process.stdout.write(log.text);
        offset = log.size;
        if (!o.follow || ['succeeded', 'failed', 'cancelled'].includes((await client().run(runId)).status)) return;
        await new Promise((r) => setTimeout(r, 500));
      }
    });
  run.command('cancel <runId>').description('cancel a run (running steps are killed)').action(async (runId: string) => {
    ctx.output(await client().cancel(runId), () => `cancel requested for ${runId}`);
  });
  run.command('retry <runId>').description('a new run that reuses the outputs of the steps that succeeded').action(async (runId: string) => {
    const r = await client().retry(runId);
    ctx.output(r, () => `retrying ${runId} as ${r.runId}`);
  });
  run.command('watch <runId>').description('follow step progress until the run ends').action(async (runId: string) => {
    const final = await watch(client(), runId, json());
    if (final.status !== 'succeeded') process.exitCode = 1;
  });

  const exp = program.command('experiment').description('group runs into experiments');
  exp.command('ls').description('experiments and their run counts').action(async () => {
    const { experiments } = await client().experiments();
    ctx.output(experiments, () => table(['EXPERIMENT', 'RUNS', 'CREATED', 'DESCRIPTION'], experiments.map((e) => [e.name, e.runs, e.createdAt, e.description])));
  });
  exp.command('create <name>').option('--description <text>').description('create an experiment').action(async (name: string, o: { description?: string }) => {
    ctx.output(await client().createExperiment(name, o.description), () => `experiment ${name} created`);
  });

  const sched = program.command('schedule').description('recurring runs (Temporal Schedules)');
  sched
    .command('create <id> <pipeline>')
    .description('run an uploaded pipeline (name[@version]) on a cron schedule or every N seconds')
    .option('--cron <expr>', 'cron expression, e.g. "0 3 * * *"')
    .option('--every <seconds>', 'interval in seconds')
    .option('-p, --param <key=value>', 'a pipeline parameter (repeatable)', collectParam, {})
    .option('--experiment <name>')
    .action(async (id: string, target: string, o: { cron?: string; every?: string; param: Record<string, unknown>; experiment?: string }) => {
      const [name, version] = target.split('@');
      const req = {
        scheduleId: id,
        pipeline: name ?? target,
        ...(version ? { version } : {}),
        ...(o.cron ? { cron: [o.cron] } : {}),
        ...(o.every ? { everySeconds: Number(o.every) } : {}),
        parameters: o.param,
        ...(o.experiment ? { experiment: o.experiment } : {}),
      };
      ctx.output(await client().createSchedule(req), () => `schedule ${id} created`);
    });
  sched.command('ls').description('schedules and their next runs').action(async () => {
    const { schedules } = await client().schedules();
    ctx.output(schedules, () => table(['SCHEDULE', 'PAUSED', 'NEXT RUNS'], schedules.map((s) => [s.scheduleId, String(s.paused), s.nextRuns.slice(0, 2).join(', ')])));
  });
  sched.command('rm <id>').description('delete a schedule').action(async (id: string) => {
    await client().deleteSchedule(id);
    ctx.output({ deleted: id }, () => `schedule ${id} deleted`);
  });

  program
    .command('lineage <ref>')
    .description('lineage around an artifact (sha256 prefix or URI), run, step or model@version, both ways')
    .option('--depth <n>', 'edges to follow each way', '6')
    .action(async (ref: string, o: { depth: string }) => {
      const g = await client().lineage(ref, Number(o.depth));
      ctx.output(g, () => [`${g.root}`, 'upstream (where it came from):', ...g.upstream.map((e) => `  ${e.from} --${e.relation}--> ${e.to}`), 'downstream (what was made from it):', ...g.downstream.map((e) => `  ${e.from} --${e.relation}--> ${e.to}`)].join('\n'));
    });
}
