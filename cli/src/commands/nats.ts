import type { Command } from 'commander';
import { connect } from '@nats-io/transport-node';
import { natsClientOptions } from '@signflow/core';
import { provisionNats, provisionedStreams } from '@signflow/stack';
import type { createContext } from '../context.js';

type Ctx = ReturnType<typeof createContext>;

/**
 * `signflow nats provision`: creates the frames, landmarks and captions streams and the camera
 * heartbeat bucket on an existing NATS (what `signflow up` does for its own), connecting with the
 * configured credentials. The Helm chart runs it as a post-install Job, because restricted camera
 * users may use these but not create them.
 */
export function registerNats(program: Command, ctx: Ctx): void {
  const nats = program.command('nats').description('NATS administration of an existing server (the embedded one is set up by `signflow up`)');
  nats
    .command('provision')
    .description('create the streams and the camera bucket restricted users need (idempotent)')
    .action(async () => {
      const config = ctx.loadConfig();
      const options = natsClientOptions(config);
      const nc = await connect({ ...options, timeout: 5000 });
      try {
        const created = await provisionNats(nc);
        ctx.output({ servers: options.servers, created, streams: provisionedStreams.map((s) => s.name) }, () =>
          created.length ? `created on ${options.servers}: ${created.join(', ')}` : `nothing to create on ${options.servers}: the streams and the camera bucket exist`,
        );
      } finally {
        await nc.close();
      }
    });
}
