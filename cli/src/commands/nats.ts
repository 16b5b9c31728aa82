import type { Command } from 'commander';
import { connect } from '@nats-io/transport-node';
import { natsAuthForDataDir, natsAuthPaths, natsClientOptions } from '@signflow/core';
import { renderTable } from '../output.js';
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

  nats
    .command('users')
    .description('the NATS users of this data dir and their credentials files (never the secrets); edit <dataDir>/auth/nats-users.yaml and restart `signflow up` to change them')
    .action(() => {
      const config = ctx.loadConfig();
      const auth = natsAuthForDataDir(config.dataDir, config);
      if (!auth) throw new Error(`no NATS users in ${natsAuthPaths(config.dataDir).spec}: \`signflow up\` writes the default ones on first start`);
      const users = auth.users.map((u) => ({ name: u.name, kind: u.kind, credentials: u.seedFile, inboxPrefix: u.inboxPrefix, publish: u.permissions.publish.allow ?? [] }));
      ctx.output({ spec: natsAuthPaths(config.dataDir).spec, users }, () =>
        renderTable(['user', 'kind', 'credentials (--nkey-seed)', 'inbox prefix'], users.map((u) => [u.name, u.kind, u.credentials, u.inboxPrefix])),
      );
    });
}
