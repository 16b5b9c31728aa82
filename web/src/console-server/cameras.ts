import type { NatsConnection } from '@nats-io/transport-node';
import { Kvm } from '@nats-io/kv';
import { kvBuckets, subjects } from '@signflow/core';
import type { CamerasSource, RunMetricsSource } from './sources.js';

/** The camera fleet from the camera agents' heartbeat bucket (empty until an agent has written). */
export function camerasFromKv(nc: NatsConnection): CamerasSource {
  return {
    async list() {
      let kv;
      try {
        kv = await new Kvm(nc).open(kvBuckets.cameras);
      } catch {
        return [];
      }
      const out: { key: string; status: unknown; updatedAt: string }[] = [];
      for await (const key of await kv.keys()) {
        const entry = await kv.get(key);
        if (!entry || entry.operation !== 'PUT') continue;
        let status: unknown;
        try {
          status = entry.json();
        } catch {
          status = entry.string();
        }
        out.push({ key, status, updatedAt: entry.created.toISOString() });
      }
      return out.sort((a, b) => a.key.localeCompare(b.key));
    },
  };
}

/** Per-epoch metrics the training step publishes on `signflow.runs.<run>.metrics`. */
export function runMetricsFromNats(nc: NatsConnection): RunMetricsSource {
  return {
    subscribe(runId, onEpoch) {
      const sub = nc.subscribe(subjects.runMetrics(runId), {
        callback: (err, msg) => {
          if (err) return;
          try {
            onEpoch(msg.json());
          } catch {
            // not JSON: not a metrics message
          }
        },
      });
      return () => sub.unsubscribe();
    },
  };
}
