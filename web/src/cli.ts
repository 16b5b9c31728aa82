import type { Command } from 'commander';
import { connect } from '@nats-io/transport-node';
import { natsClientOptions, TokenStore, type CliContext, type SignflowConfig } from '@signflow/core';
import { followCaptions } from './live/follow.js';
import { startLiveFeed } from './live/server.js';
import { registerTokenCommands } from './cli-tokens.js';

function natsUrl(config: SignflowConfig): string {
  return config.nats.url ?? `nats://${config.nats.host}:${config.nats.port}`;
}

function abortOnSignals(): AbortController {
  const controller = new AbortController();
  const stop = (): void => controller.abort();
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
  return controller;
}

/** `signflow captions` and `signflow live`: the live transcription for a terminal and a browser. */
export function registerCommands(program: Command, ctx: CliContext): void {
  registerTokenCommands(program, ctx);
  program
    .command('captions')
    .description("print a rig's captions (kept ones first); --follow keeps printing new ones, partials replaced by finals")
    .requiredOption('--rig <rig>', 'rig id')
    .option('--follow', 'keep printing captions as they arrive (Ctrl-C to stop)', false)
    .option('--since <minutes>', 'show kept captions of the last N minutes first', '10')
    .option('--json', 'one caption per line as JSON (partials included)', false)
    .action(async (opts: { rig: string; follow: boolean; since: string; json: boolean }, cmd: Command) => {
      const config = ctx.loadConfig();
      const nc = await connect({ ...natsClientOptions(config), servers: natsUrl(config), timeout: 3000 });
      const controller = abortOnSignals();
      const json = opts.json || Boolean(cmd.optsWithGlobals<{ json?: boolean }>().json);
      try {
        await followCaptions({
          nc,
          rig: opts.rig,
          follow: opts.follow,
          sinceMs: Math.max(0, Number(opts.since) || 0) * 60_000,
          tty: Boolean(process.stdout.isTTY) && !json,
          json,
          write: (text) => process.stdout.write(text),
          signal: controller.signal,
        });
      } finally {
        await nc.close();
      }
    });

  program
    .command('live')
    .description('serve the live feed page (captions, camera thumbnails, landmark overlay, model, latency)')
    .option('--host <host>', 'address to listen on', '127.0.0.1')
    .option('--port <port>', 'port (0 picks a free one)', '8481')
    .action(async (opts: { host: string; port: string }) => {
      const config = ctx.loadConfig();
      const nc = await connect({ ...natsClientOptions(config), servers: natsUrl(config), timeout: 3000 });
      // viewers and up, with the API's tokens (sign in once with ?token= or a bearer header)
      const feed = await startLiveFeed({ nc, host: opts.host, port: Number(opts.port), auth: config.auth.mode === 'off' ? 'off' : new TokenStore(config.dataDir) });
      ctx.output({ url: `${feed.url}/live` }, () => `live feed: ${feed.url}/live  (Ctrl-C to stop; needs a viewer token)`);
      const controller = abortOnSignals();
      await new Promise<void>((resolve) => controller.signal.addEventListener('abort', () => resolve(), { once: true }));
      await feed.close();
      await nc.close();
    });
}
