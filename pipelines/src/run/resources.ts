// Run-time resources of a component task: the component's own resources merged with the task's
// override, whose fields may be bound to pipeline parameters (a GPU chosen per run). Pure and
// sandbox-safe (the run workflow calls it): no Node built-ins, type-only imports.
import type { Binding, ComponentSpec, TaskResources } from '../spec/schema.js';

export type ResourcesSpec = ComponentSpec['resources'];
export type GpuSpec = NonNullable<ResourcesSpec['gpu']>;

const QUANTITY = /^\d+(\.\d+)?(m|k|Ki|M|Mi|G|Gi|T|Ti)?$/;
const MAX_GPUS = 64;
const GPU_FORMS = '"none", null, a positive integer (nvidia.com/gpu count), "dra:<deviceClassName>:<count>", {kind:"count",count} or {kind:"dra",deviceClassName,count,selectors?}';

function count(v: unknown): number | undefined {
  return typeof v === 'number' && Number.isInteger(v) && v >= 1 && v <= MAX_GPUS ? v : undefined;
}

function show(v: unknown): string {
  const s = JSON.stringify(v) ?? String(v);
  return s.length > 80 ? `${s.slice(0, 77)}...` : s;
}

/** A GPU request as written in a parameter: `null` for no GPU, or the spec form; `{ error }` when it is none of the accepted forms. */
export function parseGpuValue(value: unknown): GpuSpec | null | { error: string } {
  const bad = { error: `${show(value)} is not a GPU request; use ${GPU_FORMS}` };
  if (value === null || value === 'none') return null;
  if (typeof value === 'number') {
    const n = count(value);
    return n === undefined ? { error: `${show(value)} is not a GPU count; use an integer from 1 to ${MAX_GPUS} (or "none")` } : { kind: 'count', count: n };
  }
  if (typeof value === 'string') {
    if (/^\d+$/.test(value)) return parseGpuValue(Number(value));
    const m = /^dra:([^:]+):(\d+)$/.exec(value);
    if (!m?.[1] || !m[2]) return bad;
    const n = count(Number(m[2]));
    return n === undefined ? { error: `${show(value)}: the device count must be an integer from 1 to ${MAX_GPUS}` } : { kind: 'dra', deviceClassName: m[1], count: n };
  }
  if (typeof value !== 'object' || Array.isArray(value)) return bad;
  const o = value as Record<string, unknown>;
  const n = count(o['count']);
  if (o['kind'] === 'count') {
    const extra = Object.keys(o).filter((k) => !['kind', 'count', 'resourceName'].includes(k));
    const rn = o['resourceName'];
    if (n === undefined || extra.length > 0 || (rn !== undefined && (typeof rn !== 'string' || rn === ''))) return bad;
    return { kind: 'count', count: n, ...(typeof rn === 'string' ? { resourceName: rn } : {}) };
  }
  if (o['kind'] === 'dra') {
    const extra = Object.keys(o).filter((k) => !['kind', 'deviceClassName', 'count', 'selectors'].includes(k));
    const dc = o['deviceClassName'];
    const sel = o['selectors'];
    const selOk = sel === undefined || (Array.isArray(sel) && sel.every((s) => typeof s === 'string' && s !== ''));
    if (n === undefined || extra.length > 0 || typeof dc !== 'string' || dc === '' || !selOk) return bad;
    return { kind: 'dra', deviceClassName: dc, count: n, ...(Array.isArray(sel) ? { selectors: sel as string[] } : {}) };
  }
  return bad;
}

/** A cpu or memory quantity as written in a parameter (cpu may be a number). */
export function parseQuantity(field: 'cpu' | 'memory', value: unknown): string | { error: string } {
  const s = typeof value === 'number' && field === 'cpu' && Number.isFinite(value) && value > 0 ? String(value) : value;
  if (typeof s === 'string' && QUANTITY.test(s)) return s;
  return { error: `${show(value)} is not a ${field} quantity; use e.g. ${field === 'cpu' ? '500m or 2' : '512Mi or 4Gi'}` };
}

/** Where a resources field takes its value from, for messages: `parameter "gpu"` or `value`. */
export function bindingSource(b: Binding): string {
  return b.from === 'param' ? `parameter "${b.name}"` : b.from;
}

/**
 * The effective resources of a task: the component's, with each field of the override that has
 * a value replacing it (a GPU of "none"/null removes the component's GPU). An unset optional
 * parameter leaves the component's value. Returns `{ error }` naming the field and its source.
 */
export function effectiveResources(
  component: ResourcesSpec,
  override: TaskResources,
  params: Record<string, unknown>,
): { resources: ResourcesSpec } | { error: string; field: 'cpu' | 'memory' | 'gpu' } {
  const out: ResourcesSpec = { ...component };
  for (const field of ['cpu', 'memory', 'gpu'] as const) {
    const b = override[field];
    if (!b) continue;
    let value: unknown;
    if (b.from === 'value') value = b.value;
    else if (b.from === 'param') {
      if (!(b.name in params)) continue;
      value = params[b.name];
    } else return { error: `resources.${field}: bind a value or a pipeline parameter, not a ${b.from}`, field };
    const where = `resources.${field} from ${bindingSource(b)}`;
    if (field === 'gpu') {
      const gpu = parseGpuValue(value);
      if (gpu !== null && 'error' in gpu) return { error: `${where}: ${gpu.error}`, field };
      if (gpu === null) delete out.gpu;
      else out.gpu = gpu;
    } else {
      const q = parseQuantity(field, value);
      if (typeof q !== 'string') return { error: `${where}: ${q.error}`, field };
      out[field] = q;
    }
  }
  return { resources: out };
}
