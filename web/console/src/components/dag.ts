import { html } from 'htm/preact';
import type { Task } from '../types.js';

export interface DagNode {
  id: string;
  label: string;
  kind: Task['kind'];
  /** The component a component task runs. */
  component?: string | undefined;
  deps: string[];
  status?: string | undefined;
}

/** Sibling tasks a task reads from (data bindings anywhere inside it) or waits for (dependsOn). */
function taskRefs(value: unknown, out: Set<string>): void {
  if (Array.isArray(value)) for (const v of value) taskRefs(v, out);
  else if (value && typeof value === 'object') {
    const o = value as Record<string, unknown>;
    if (o['from'] === 'task' && typeof o['task'] === 'string') out.add(o['task']);
    for (const v of Object.values(o)) taskRefs(v, out);
  }
}

export function dagNodes(tasks: Record<string, Task>, statusOf: (task: string) => string | undefined = () => undefined): DagNode[] {
  return Object.entries(tasks).map(([id, task]) => {
    const deps = new Set<string>(task.dependsOn ?? []);
    taskRefs(task, deps);
    deps.delete(id);
    return {
      id,
      label: task.displayName ?? id,
      kind: task.kind,
      component: task.component,
      deps: [...deps].filter((d) => d in tasks),
      status: statusOf(id),
    };
  });
}

/** Aggregated state of a top-level task from its steps' states (groups hold many steps). */
export function taskStatus(steps: { stepPath: string; status: string }[], task: string): string | undefined {
  const mine = steps.filter((s) => s.stepPath === task || s.stepPath.startsWith(`${task}.`) || s.stepPath.startsWith(`${task}[`));
  if (mine.length === 0) return undefined;
  const has = (st: string) => mine.some((s) => s.status === st);
  for (const st of ['failed', 'running', 'cancelled']) if (has(st)) return st;
  if (mine.every((s) => ['succeeded', 'cached', 'reused'].includes(s.status))) return mine.length === 1 ? (mine[0]?.status ?? 'succeeded') : 'succeeded';
  return mine.find((s) => !['succeeded', 'cached', 'reused'].includes(s.status))?.status;
}

/** A spec (no run) shows what each task is; a run shows its state. */
function subtitle(n: DagNode): string {
  const what = n.kind === 'component' ? (n.component ?? 'component') : n.kind;
  if (n.status === undefined && n.kind === 'component') return what;
  return n.kind === 'component' ? (n.status ?? 'pending') : `${what} · ${n.status ?? 'pending'}`;
}

const W = 168;
const H = 46;
const GX = 60;
const GY = 22;

/** A layered drawing: each task in the column after its deepest dependency. */
export function Dag({ nodes, selected, onSelect }: { nodes: DagNode[]; selected?: string | undefined; onSelect?: (id: string) => void }) {
  const depth = new Map<string, number>();
  const byId = new Map(nodes.map((n) => [n.id, n]));
  const depthOf = (id: string, seen: Set<string>): number => {
    const known = depth.get(id);
    if (known !== undefined) return known;
    if (seen.has(id)) return 0;
    seen.add(id);
    const node = byId.get(id);
    const d = node && node.deps.length ? 1 + Math.max(...node.deps.map((x) => depthOf(x, seen))) : 0;
    depth.set(id, d);
    return d;
  };
  for (const n of nodes) depthOf(n.id, new Set());
  const columns: DagNode[][] = [];
  for (const n of nodes) (columns[depth.get(n.id) ?? 0] ??= []).push(n);
  const pos = new Map<string, { x: number; y: number }>();
  columns.forEach((col, c) => col.forEach((n, r) => pos.set(n.id, { x: 10 + c * (W + GX), y: 10 + r * (H + GY) })));
  const width = 20 + columns.length * (W + GX) - GX;
  const height = 20 + Math.max(1, ...columns.map((c) => c.length)) * (H + GY) - GY;
  const edges = nodes.flatMap((n) =>
    n.deps.flatMap((d) => {
      const a = pos.get(d);
      const b = pos.get(n.id);
      if (!a || !b) return [];
      const x1 = a.x + W;
      const y1 = a.y + H / 2;
      const x2 = b.x;
      const y2 = b.y + H / 2;
      return [html`<path class="edge" d=${`M${x1},${y1} C${x1 + GX / 2},${y1} ${x2 - GX / 2},${y2} ${x2},${y2}`} marker-end="url(#arrow)" />`];
    }),
  );
  return html`<svg class="dag" width=${width} height=${height} viewBox=${`0 0 ${width} ${height}`} role="img" aria-label="pipeline graph">
    <defs><marker id="arrow" viewBox="0 0 10 10" refX="10" refY="5" markerWidth="6" markerHeight="6" orient="auto-start-reverse"><path d="M 0 0 L 10 5 L 0 10 z" fill="#94a3b8" /></marker></defs>
    ${edges}
    ${nodes.map((n) => {
      const p = pos.get(n.id) ?? { x: 0, y: 0 };
      return html`<g class=${`node s-${n.status ?? 'pending'} ${selected === n.id ? 'selected' : ''}`} data-task=${n.id} data-status=${n.status ?? 'pending'}
          transform=${`translate(${p.x},${p.y})`} onClick=${() => onSelect?.(n.id)}>
        <rect width=${W} height=${H} rx="8" />
        <text x="12" y="19" class="label">${n.label.length > 20 ? n.label.slice(0, 19) + '…' : n.label}</text>
        <text x="12" y="35" class="sub">${subtitle(n)}</text>
      </g>`;
    })}
  </svg>`;
}
