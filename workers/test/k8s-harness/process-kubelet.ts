import { spawn, type ChildProcess } from 'node:child_process';
import { createWriteStream, type WriteStream } from 'node:fs';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { CoreV1Api, CustomObjectsApi, makeInformer, type Informer, type ObjectCache, type V1Container, type V1Pod } from '@kubernetes/client-node';
import { describeError } from '@signflow/core';
import { KWOK_LOGS } from './kwok-logs-crd.js';
import type { TestCluster } from './cluster.js';

/** Pods whose container has this env value are run by the process kubelet (see kwok/stages.yaml). */
export const PROCESS_OUTCOME = { name: 'SIGNFLOW_SIM_OUTCOME', value: 'process' } as const;
const ANNOTATION = {
  startedAt: 'kubelet.signflow.dev/started-at',
  finishedAt: 'kubelet.signflow.dev/finished-at',
  exitCode: 'kubelet.signflow.dev/exit-code',
  message: 'kubelet.signflow.dev/message',
} as const;
/** A kubelet keeps at most this much of a termination message (and of the log tail it falls back to). */
const MAX_MESSAGE_BYTES = 4096;
const FALLBACK_LOG_BYTES = 2048;

export interface ProcessKubeletOptions {
  /**
   * What a container's command runs as here, by its first word: the image's entry point mapped to
   * a local argv (e.g. `signflow-step` → `node workers/bin/signflow-step`). An unknown command
   * fails the container with exit code 127, as a missing executable would.
   */
  entrypoints: Record<string, readonly string[]>;
  /** Environment under the container's own (PATH, HOME, ... of this machine). */
  baseEnv?: NodeJS.ProcessEnv;
  /**
   * Folders that stand for volumes the pods share with the pipeline worker (its data dir and
   * artifact store): paths under them keep their meaning even where a container mount (e.g. an
   * emptyDir at /tmp) would otherwise cover them.
   */
  sharedPaths?: readonly string[];
  /** The image's working directory here (where a container without `workingDir` starts); default: the pod's directory. */
  cwd?: string;
  /** SIGTERM → SIGKILL grace when a pod is deleted while its process runs. */
  killGraceMs?: number;
}

export interface ProcessKubelet {
  /** Pods whose process is running now (namespace/name). */
  running(): string[];
  /** Every pod it started a process for (namespace/name), in order. */
  readonly started: string[];
  [Symbol.asyncDispose](): Promise<void>;
}

interface Running {
  key: string;
  child: ChildProcess;
  exited: Promise<void>;
  killed: boolean;
}

function criWriter(out: WriteStream, stream: 'stdout' | 'stderr'): { write(chunk: Buffer): void; end(): void } {
  let partial = '';
  const line = (text: string, tag: 'F' | 'P'): void => void out.write(`${new Date().toISOString()} ${stream} ${tag} ${text}\n`);
  return {
    write(chunk) {
      const lines = (partial + chunk.toString('utf8')).split('\n');
      partial = lines.pop() ?? '';
      for (const l of lines) line(l, 'F');
    },
    end() {
      if (partial) line(partial, 'F');
      partial = '';
    },
  };
}

/** Where each of the pod's volumes lives on this machine, and each mount path of the container. */
async function prepareVolumes(pod: V1Pod, container: V1Container, podDir: string): Promise<{ from: string; to: string }[]> {
  const dirs = new Map<string, string>();
  for (const volume of pod.spec?.volumes ?? []) {
    const dir = join(podDir, 'volumes', volume.name);
    await mkdir(dir, { recursive: true });
    dirs.set(volume.name, dir);
    if (volume.emptyDir) continue;
    if (!volume.downwardAPI) throw new Error(`volume ${volume.name}: only emptyDir and downwardAPI volumes are supported by the process kubelet`);
    for (const item of volume.downwardAPI.items ?? []) {
      const field = /^metadata\.(annotations|labels)\['(.+)'\]$/.exec(item.fieldRef?.fieldPath ?? '');
      if (!field) throw new Error(`volume ${volume.name}: downward API field ${item.fieldRef?.fieldPath ?? '?'} is not supported`);
      const source = field[1] === 'labels' ? pod.metadata?.labels : pod.metadata?.annotations;
      await writeFile(join(dir, item.path), source?.[field[2] ?? ''] ?? '');
    }
  }
  const mounts = (container.volumeMounts ?? []).map((m) => {
    const dir = dirs.get(m.name);
    if (!dir) throw new Error(`volume mount ${m.mountPath}: no volume ${m.name}`);
    return { from: m.mountPath.replace(/\/+$/, ''), to: dir };
  });
  return mounts.sort((a, b) => b.from.length - a.from.length);
}

function translate(value: string, paths: { from: string; to: string }[], shared: readonly string[] = []): string {
  if (shared.some((dir) => value === dir || value.startsWith(`${dir}/`))) return value;
  for (const { from, to } of paths) {
    if (value === from) return to;
    if (value.startsWith(`${from}/`)) return to + value.slice(from.length);
  }
  return value;
}

/**
 * A kubelet for tests that runs containers as local processes. It watches pods bound to kwok's
 * nodes whose container carries `SIGNFLOW_SIM_OUTCOME=process`, and for each: lays out its
 * volumes (emptyDir, downward API) in a directory, maps the container's paths (mounts, the
 * termination message) into it, runs the command through `entrypoints` with the container's env
 * and args, and writes its output in the CRI log format to a file kwok serves as that container's
 * log (a per-pod kwok `Logs` object). kwok still drives the pod: its stages start the container
 * when the process is up (`kubelet.signflow.dev/started-at`) and end it with the exit code and
 * termination message this sets when the process exits. Deleting the pod kills the process.
 */
export async function startProcessKubelet(cluster: TestCluster, options: ProcessKubeletOptions): Promise<ProcessKubelet> {
  const kc = cluster.kubeConfig();
  const core = kc.makeApiClient(CoreV1Api);
  const custom = kc.makeApiClient(CustomObjectsApi);
  const root = join(cluster.dir, 'process-kubelet');
  const grace = options.killGraceMs ?? 2000;
  const seen = new Set<string>();
  const running = new Map<string, Running>();
  const started: string[] = [];
  const launches: Promise<unknown>[] = [];
  let stopping = false;

  const annotate = async (pod: V1Pod, values: Record<string, string>): Promise<void> => {
    const ops = Object.entries(values).map(([k, v]) => ({ op: 'add', path: `/metadata/annotations/${k.replace(/~/g, '~0').replace(/\//g, '~1')}`, value: v }));
    const base = pod.metadata?.annotations ? [] : [{ op: 'add', path: '/metadata/annotations', value: {} }];
    try {
      await core.patchNamespacedPod({ name: pod.metadata?.name ?? '', namespace: pod.metadata?.namespace ?? '', body: [...base, ...ops] });
    } catch (err) {
      // The pod may be gone (cancelled, evicted): nothing left to report to.
      if ((err as { code?: number }).code !== 404) throw err;
    }
  };

  const kill = (run: Running): Promise<void> => {
    if (run.killed || run.child.pid === undefined) return run.exited;
    run.killed = true;
    const pid = run.child.pid;
    const signal = (sig: NodeJS.Signals): void => {
      try {
        process.kill(-pid, sig);
      } catch {
        // already gone
      }
    };
    signal('SIGTERM');
    const timer = setTimeout(() => signal('SIGKILL'), grace);
    return run.exited.finally(() => clearTimeout(timer));
  };

  const launch = async (pod: V1Pod): Promise<void> => {
    const name = pod.metadata?.name ?? '';
    const namespace = pod.metadata?.namespace ?? '';
    const key = `${namespace}/${name}`;
    const container = pod.spec?.containers[0];
    if (!container) return;
    const podDir = join(root, pod.metadata?.uid ?? name);
    await mkdir(podDir, { recursive: true });
    const logFile = join(podDir, 'container.log');
    await writeFile(logFile, '');
    await custom.createNamespacedCustomObject({
      ...KWOK_LOGS,
      namespace,
      body: { apiVersion: `${KWOK_LOGS.group}/${KWOK_LOGS.version}`, kind: 'Logs', metadata: { name, namespace }, spec: { logs: [{ containers: [container.name], logsFile: logFile, follow: true }] } },
    });
    const termination = join(podDir, 'termination-log');
    await writeFile(termination, '');
    const startedAt = new Date().toISOString();
    const exit = async (code: number, message: string): Promise<void> => {
      await annotate(pod, { [ANNOTATION.startedAt]: startedAt, [ANNOTATION.finishedAt]: new Date().toISOString(), [ANNOTATION.exitCode]: String(code), [ANNOTATION.message]: message });
    };

    let paths: { from: string; to: string }[];
    try {
      paths = [{ from: container.terminationMessagePath ?? '/dev/termination-log', to: termination }, ...(await prepareVolumes(pod, container, podDir))];
    } catch (err) {
      await annotate(pod, { [ANNOTATION.startedAt]: startedAt });
      return exit(128, `cannot start container: ${describeError(err)}`);
    }
    const env: NodeJS.ProcessEnv = { ...(options.baseEnv ?? process.env) };
    const shared = options.sharedPaths ?? [];
    // A container's temp files go to its /tmp (here: that volume's folder, when one is mounted there).
    const tmp = translate('/tmp', paths);
    if (tmp !== '/tmp') env['TMPDIR'] = tmp;
    for (const e of container.env ?? []) env[e.name] = translate(e.value ?? '', paths, shared);
    const argv = [...(container.command ?? []), ...(container.args ?? [])].map((a) => translate(a, paths, shared));
    const entry = options.entrypoints[argv[0] ?? ''];
    await annotate(pod, { [ANNOTATION.startedAt]: startedAt });
    if (!entry || entry.length === 0) return exit(127, `exec: "${argv[0] ?? ''}": executable file not found in $PATH`);

    const out = createWriteStream(logFile, { flags: 'a' });
    const [file, ...rest] = entry as [string, ...string[]];
    const child = spawn(file, [...rest, ...argv.slice(1)], { cwd: container.workingDir ? translate(container.workingDir, paths) : (options.cwd ?? podDir), env, detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
    const stdout = criWriter(out, 'stdout');
    const stderr = criWriter(out, 'stderr');
    child.stdout.on('data', (b: Buffer) => stdout.write(b));
    child.stderr.on('data', (b: Buffer) => stderr.write(b));
    started.push(key);
    const done = new Promise<{ code: number }>((resolve) => {
      child.once('error', () => resolve({ code: 127 }));
      child.once('close', (code, sig) => resolve({ code: code ?? 128 + (sig ? (({ SIGKILL: 9, SIGTERM: 15 }) as Record<string, number>)[sig] ?? 1 : 1) }));
    });
    const run: Running = { key, child, killed: false, exited: done.then(() => undefined) };
    running.set(pod.metadata?.uid ?? key, run);
    const { code } = await done;
    stdout.end();
    stderr.end();
    await new Promise<void>((resolve) => out.end(resolve));
    running.delete(pod.metadata?.uid ?? key);
    if (run.killed || stopping) return;
    let message = (await readFile(termination)).subarray(0, MAX_MESSAGE_BYTES).toString('utf8');
    if (code !== 0 && !message.trim() && container.terminationMessagePolicy === 'FallbackToLogsOnError') {
      const log = (await readFile(logFile, 'utf8')).split('\n').map((l) => l.replace(/^\S+ \S+ [FP] /, '')).join('\n');
      message = Buffer.from(log).subarray(-FALLBACK_LOG_BYTES).toString('utf8');
    }
    await exit(code, message);
  };

  const isOurs = (pod: V1Pod): boolean =>
    Boolean(pod.spec?.nodeName) && (pod.spec?.containers[0]?.env ?? []).some((e) => e.name === PROCESS_OUTCOME.name && e.value === PROCESS_OUTCOME.value);

  const onChange = (pod: V1Pod): void => {
    const uid = pod.metadata?.uid ?? '';
    if (stopping || !isOurs(pod)) return;
    if (pod.metadata?.deletionTimestamp) {
      const run = running.get(uid);
      if (run) void kill(run);
      return;
    }
    if (seen.has(uid) || pod.status?.phase === 'Succeeded' || pod.status?.phase === 'Failed') return;
    seen.add(uid);
    launches.push(launch(pod).catch((err: unknown) => process.stderr.write(`process kubelet: pod ${pod.metadata?.name}: ${describeError(err)}\n`)));
  };

  const informer: Informer<V1Pod> & ObjectCache<V1Pod> = makeInformer(kc, '/api/v1/pods', () => core.listPodForAllNamespaces());
  informer.on('add', onChange);
  informer.on('update', onChange);
  informer.on('delete', (pod) => {
    const run = running.get(pod.metadata?.uid ?? '');
    if (run) void kill(run);
    const name = pod.metadata?.name ?? '';
    const namespace = pod.metadata?.namespace ?? '';
    if (isOurs(pod) && !stopping) void custom.deleteNamespacedCustomObject({ ...KWOK_LOGS, namespace, name }).catch(() => undefined);
  });
  informer.on('error', (err: unknown) => {
    if (stopping) return;
    process.stderr.write(`process kubelet: pod watch failed (${describeError(err)}); restarting\n`);
    setTimeout(() => void informer.start().catch(() => undefined), 500);
  });
  await informer.start();

  return {
    running: () => [...running.values()].map((r) => r.key),
    started,
    async [Symbol.asyncDispose]() {
      stopping = true;
      await informer.stop();
      await Promise.all([...running.values()].map(kill));
      await Promise.allSettled(launches);
    },
  };
}
