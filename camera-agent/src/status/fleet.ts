import { Kvm } from '@nats-io/kv';
import type { NatsConnection } from '@nats-io/transport-node';
import { kvBuckets } from '@signflow/core';
import { cameraStatusSchema, type CameraStatus } from './schema.js';

/** Every camera heartbeat in the bucket (optionally of one rig), sorted by rig and camera. */
export async function readFleetStatus(nc: NatsConnection, rig?: string): Promise<CameraStatus[]> {
  const kv = await new Kvm(nc).open(kvBuckets.cameras);
  const out: CameraStatus[] = [];
  const keys = await kv.keys(rig ? `${rig}.*` : '>');
  for await (const key of keys) {
    const entry = await kv.get(key);
    if (!entry || entry.length === 0) continue;
    const parsed = cameraStatusSchema.safeParse(entry.json());
    if (parsed.success) out.push(parsed.data);
  }
  return out.sort((a, b) => `${a.rig}.${a.camera}`.localeCompare(`${b.rig}.${b.camera}`));
}

function age(iso: string | null, now: number): string {
  if (!iso) return '-';
  const s = Math.max(0, (now - Date.parse(iso)) / 1000);
  return s < 60 ? `${s.toFixed(1)}s ago` : s < 3600 ? `${Math.round(s / 60)}m ago` : `${Math.round(s / 3600)}h ago`;
}

/** A plain-text table of heartbeats, one camera a row. */
export function formatFleetTable(statuses: readonly CameraStatus[], now = Date.now()): string {
  if (statuses.length === 0) return 'no camera heartbeats yet (is a `signflow camera run` agent connected to this NATS?)';
  const header = ['RIG', 'CAMERA', 'ROLE', 'STATE', 'FPS', 'SENT', 'DROPPED', 'BUFFERED', 'LAST FRAME', 'BRIGHT', 'BLUR', 'OVEREXP', 'SKEW P95', 'CLOCK OFFSET', 'VERSION', 'LAST ERROR'];
  const rows = statuses.map((s) => [
    s.rig,
    s.camera,
    s.role,
    s.state,
    s.fps.toFixed(1),
    String(s.framesSent),
    String(s.dropped),
    String(s.buffered),
    age(s.lastFrameTime, now),
    s.quality ? s.quality.brightness.toFixed(2) : '-',
    s.quality ? s.quality.blur.toFixed(0) : '-',
    s.quality ? `${(s.quality.overExposed * 100).toFixed(1)}%` : '-',
    s.bundles ? `${s.bundles.skewMsP95.toFixed(1)}ms` : '-',
    s.clockOffsetMs === null ? '-' : `${s.clockOffsetMs.toFixed(1)}±${(s.clockUncertaintyMs ?? 0).toFixed(1)}ms`,
    s.agentVersion,
    s.lastError ?? '',
  ]);
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: readonly string[]): string => cells.map((c, i) => c.padEnd(widths[i] ?? 0)).join('  ').trimEnd();
  return [line(header), ...rows.map(line)].join('\n');
}
