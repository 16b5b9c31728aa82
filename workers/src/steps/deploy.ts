import { z } from 'zod';
import { connect } from '@nats-io/transport-node';
import { loadConfig, natsClientOptions, parseWith } from '@signflow/core';
import { ModelRegistry } from '../registry/registry.js';
import { registerStep } from './registry.js';

/**
 * `registry.promote`: moves a registered model version to a stage. Promotion to production is the
 * deploy: the registry publishes the event on NATS and the live transcriber hot-swaps the model.
 */
const params = z.object({ name: z.string().min(1), version: z.number().int().positive(), stage: z.enum(['staging', 'production']).default('production') });

registerStep('registry.promote', async (ctx) => {
  const p = parseWith(params, ctx.parameters, 'registry.promote parameters');
  const config = loadConfig().config;
  const nc = await connect({ ...natsClientOptions(config), timeout: 2000, maxReconnectAttempts: 0 }).catch(() => undefined);
  if (!nc) ctx.log('NATS is not reachable: the promotion is recorded, the transcriber learns of it when it next reads the registry');
  try {
    const event = await new ModelRegistry(ctx.store, nc).promote(p.name, p.version, p.stage);
    ctx.log(`${p.name} v${p.version} → ${p.stage}`);
    return { parameters: { stage: p.stage, event: JSON.parse(JSON.stringify(event)) as Record<string, unknown> } };
  } finally {
    await nc?.drain();
  }
});
