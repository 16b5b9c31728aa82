import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { NatsConnection } from '@nats-io/nats-core';
import { jetstreamManager, JetStreamApiError } from '@nats-io/jetstream';
import { createLogger, streams, subjectToken, type Logger, type TokenVerifier } from '@signflow/core';
import { liveAuth, signInPage } from './auth.js';
import { LiveFeedError } from './errors.js';
import { RigHub, type FeedClient, type FeedEvent, type HubOptions } from './hub.js';
import { livePage, rigsPage } from './page.js';

export interface LiveFeedOptions {
  nc: NatsConnection;
  host?: string;
  /** 0 picks a free port. */
  port?: number;
  logger?: Logger;
  hub?: HubOptions;
  /**
   * Checks the viewer role on every page and stream (`/healthz` stays public): `signflow up` and
   * `signflow live` pass the API's token store; `'off'` (auth.mode: off, tests of the feed
   * itself, the bench) serves everyone. Required, so no caller gets an open feed by omission.
   */
  auth: TokenVerifier | 'off';
}

export interface LiveFeedServer extends AsyncDisposable {
  /** Base URL, e.g. http://127.0.0.1:8481 */
  readonly url: string;
  /** URL of a rig's live page. */
  pageUrl(rig: string): string;
  close(): Promise<void>;
}

/**
 * The live feed: `GET /live` lists rigs, `GET /live/<rig>` is the page, and
 * `GET /api/live/<rig>/events?camera=<camera>` streams its Server-Sent Events (captions,
 * thumbnails, landmark overlay of the chosen camera, model version and measured latency).
 */
export async function startLiveFeed(options: LiveFeedOptions): Promise<LiveFeedServer> {
  const logger = options.logger ?? createLogger('live-feed');
  const hubs = new Map<string, RigHub>();
  const hubFor = async (rig: string): Promise<RigHub> => {
    let hub = hubs.get(rig);
    if (!hub) {
      hub = new RigHub(options.nc, rig, logger, options.hub);
      hubs.set(rig, hub);
    }
    await hub.start();
    return hub;
  };
  const open = new Set<ServerResponse>();

  const server = createServer((req, res) => {
    handle(req, res).catch((err: unknown) => {
      // the path only: a query string may carry a token
      logger.error({ err: String(err), path: (req.url ?? '').split('?')[0] }, 'live feed request failed');
      if (!res.headersSent) res.writeHead(500, { 'content-type': 'text/plain' });
      res.end('internal error');
    });
  });

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://localhost');
    const parts = url.pathname.split('/').filter(Boolean);
    if (req.method !== 'GET') return send(res, 405, 'text/plain', 'GET only');
    if (parts.length === 1 && parts[0] === 'healthz') return send(res, 200, 'text/plain', 'ok');
    if (options.auth !== 'off') {
      const outcome = await liveAuth(req, url, options.auth);
      if (outcome.kind === 'redirect') {
        res.writeHead(303, { location: outcome.location, 'set-cookie': outcome.cookie, 'cache-control': 'no-store' });
        res.end();
        return;
      }
      if (outcome.kind === 'refused') {
        if (parts[0] === 'api') return send(res, outcome.status, 'application/json', JSON.stringify({ error: { code: outcome.status === 401 ? 'UNAUTHENTICATED' : 'FORBIDDEN', message: outcome.message } }));
        return send(res, outcome.status, 'text/html; charset=utf-8', signInPage(outcome.message));
      }
    }
    if (parts.length === 0 || (parts.length === 1 && parts[0] === 'live')) {
      return send(res, 200, 'text/html; charset=utf-8', rigsPage(await knownRigs(options.nc)));
    }
    if (parts.length === 2 && parts[0] === 'live') {
      const rig = checkRig(parts[1]);
      if (!rig) return send(res, 400, 'text/plain', 'rig: use letters, digits, "_" or "-"');
      return send(res, 200, 'text/html; charset=utf-8', livePage(rig));
    }
    if (parts.length === 2 && parts[0] === 'api' && parts[1] === 'rigs') {
      return send(res, 200, 'application/json', JSON.stringify(await knownRigs(options.nc)));
    }
    if (parts.length === 4 && parts[0] === 'api' && parts[1] === 'live' && parts[3] === 'events') {
      const rig = checkRig(parts[2]);
      const cameraParam = url.searchParams.get('camera');
      const camera = cameraParam ? checkRig(cameraParam) : undefined;
      if (!rig || (cameraParam && !camera)) return send(res, 400, 'application/json', JSON.stringify({ error: 'rig and camera: use letters, digits, "_" or "-"' }));
      const hub = await hubFor(rig);
      res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache', connection: 'keep-alive', 'x-accel-buffering': 'no' });
      res.write('retry: 1000\n\n');
      open.add(res);
      const client: FeedClient = {
        camera,
        send: (event: FeedEvent) => {
          res.write(`event: ${event.type}\ndata: ${JSON.stringify(event)}\n\n`);
        },
      };
      hub.add(client);
      req.on('close', () => {
        hub.remove(client);
        open.delete(res);
      });
      return;
    }
    return send(res, 404, 'text/plain', 'not found: try /live');
  }

  const host = options.host ?? '127.0.0.1';
  await new Promise<void>((resolve, reject) => {
    server.once('error', (err) => reject(new LiveFeedError(`cannot listen on ${host}:${options.port ?? 0}: ${err.message}`, { cause: err })));
    server.listen(options.port ?? 0, host, () => resolve());
  });
  const address = server.address() as AddressInfo;
  const base = `http://${host}:${address.port}`;
  let closed: Promise<void> | undefined;
  const close = (): Promise<void> => {
    closed ??= (async () => {
      for (const hub of hubs.values()) hub.close();
      for (const res of open) res.end();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    })();
    return closed;
  };
  logger.info({ url: `${base}/live` }, 'live feed listening');
  return { url: base, pageUrl: (rig) => `${base}/live/${encodeURIComponent(rig)}`, close, [Symbol.asyncDispose]: close };
}

function send(res: ServerResponse, status: number, type: string, body: string): void {
  res.writeHead(status, { 'content-type': type, 'cache-control': 'no-store' });
  res.end(body);
}

function checkRig(value: string | undefined): string | undefined {
  const parsed = subjectToken.safeParse(value);
  return parsed.success ? parsed.data : undefined;
}

/** Rigs with captions or landmarks in their streams. */
async function knownRigs(nc: NatsConnection): Promise<string[]> {
  const jsm = await jetstreamManager(nc);
  const rigs = new Set<string>();
  for (const [stream, filter] of [
    [streams.captions, 'signflow.captions.>'],
    [streams.landmarks, 'signflow.landmarks.>'],
  ] as const) {
    try {
      const info = await jsm.streams.info(stream, { subjects_filter: filter });
      for (const subject of Object.keys(info.state.subjects ?? {})) {
        const rig = subject.split('.')[2];
        if (rig) rigs.add(rig);
      }
    } catch (err) {
      if (!(err instanceof JetStreamApiError)) throw err;
    }
  }
  return [...rigs].sort();
}
