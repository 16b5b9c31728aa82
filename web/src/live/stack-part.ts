import { connect } from '@nats-io/transport-node';
import { natsServiceConnectOptions, TokenStore, type SignflowConfig } from '@signflow/core';
import type { StackPart } from '@signflow/stack';
import { startLiveFeed } from './server.js';

/** Port of the live feed under `signflow up`: SIGNFLOW_LIVE_PORT, else the API port + 1. */
export function liveFeedPort(config: SignflowConfig): number {
  const env = Number(process.env['SIGNFLOW_LIVE_PORT']);
  return Number.isInteger(env) && env > 0 ? env : config.api.port + 1;
}

/** The live feed as a part of `signflow up`. */
export function liveFeedStackPart(config: SignflowConfig): StackPart {
  const host = config.api.host;
  const port = liveFeedPort(config);
  return {
    name: 'live-feed',
    ports: [{ host, port, label: 'live feed HTTP' }],
    async start(ctx) {
      const nc = await connect({ servers: ctx.natsUrl, ...natsServiceConnectOptions(config.dataDir) });
      const logger = ctx.logger.child({ part: 'live-feed' });
      // viewers and up, with the API's tokens; open only under an explicit auth.mode: off
      if (config.auth.mode === 'off') logger.warn('LIVE FEED AUTHENTICATION IS OFF (auth.mode: off): anyone who reaches this port sees the captions and camera thumbnails');
      const feed = await startLiveFeed({ nc, host, port, logger, auth: config.auth.mode === 'off' ? 'off' : new TokenStore(config.dataDir) });
      return {
        endpoint: `${feed.url}/live`,
        async stop() {
          await feed.close();
          await nc.close();
        },
      };
    },
  };
}
