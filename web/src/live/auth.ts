import type { IncomingMessage } from 'node:http';
import { authorize, bearerToken, ForbiddenError, UnauthenticatedError, type TokenVerifier } from '@signflow/core';

/** HttpOnly cookie that carries the viewer's token after it was presented once. */
export const LIVE_COOKIE = 'signflow_live';
const COOKIE_MAX_AGE_S = 12 * 3600;

export type LiveAuthOutcome =
  | { kind: 'allowed' }
  /** The token came in the query string: set the cookie and send the browser to the same URL without it. */
  | { kind: 'redirect'; location: string; cookie: string }
  | { kind: 'refused'; status: 401 | 403; message: string };

function cookieToken(req: IncomingMessage): string | undefined {
  for (const part of (req.headers.cookie ?? '').split(';')) {
    const [name, ...rest] = part.trim().split('=');
    if (name === LIVE_COOKIE && rest.length) return decodeURIComponent(rest.join('='));
  }
  return undefined;
}

/**
 * The live feed needs the viewer role. A client presents its API token as
 * `Authorization: Bearer` (scripts, SSE through fetch), as the `signflow_live` cookie (browsers,
 * so EventSource works), or once as `?token=` (a link from the console): that answer sets the
 * HttpOnly cookie and redirects to the URL without the token, so it stays out of history.
 */
export async function liveAuth(req: IncomingMessage, url: URL, verifier: TokenVerifier): Promise<LiveAuthOutcome> {
  const fromQuery = url.searchParams.get('token') ?? undefined;
  const token = fromQuery ?? bearerToken(req.headers) ?? cookieToken(req);
  try {
    await authorize({ authorization: token ? `Bearer ${token}` : undefined }, 'viewer', verifier, 'the live feed');
  } catch (err) {
    if (err instanceof UnauthenticatedError || err instanceof ForbiddenError) return { kind: 'refused', status: err.status, message: err.message };
    throw err;
  }
  if (fromQuery === undefined) return { kind: 'allowed' };
  const clean = new URL(url);
  clean.searchParams.delete('token');
  return {
    kind: 'redirect',
    location: `${clean.pathname}${clean.search}`,
    cookie: `${LIVE_COOKIE}=${encodeURIComponent(fromQuery)}; HttpOnly; SameSite=Lax; Path=/; Max-Age=${COOKIE_MAX_AGE_S}`,
  };
}

const escapeHtml = (s: string): string => s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

/** What a browser sees without a token: why, and a field to paste one into. */
export function signInPage(message: string): string {
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>signflow live feed: sign in</title>
<style>body{font:15px system-ui,sans-serif;margin:3rem auto;max-width:36rem;padding:0 1rem}input{width:100%;padding:.4rem;margin:.5rem 0}</style></head>
<body><h1>Live feed: sign in</h1><p role="alert">${escapeHtml(message)}</p>
<form method="get"><label>API token (viewer or higher)<input type="password" name="token" autocomplete="off" required></label><button type="submit">Sign in</button></form>
<p>Ask an admin for one: <code>signflow token create --name &lt;you&gt; --role viewer</code>.</p></body></html>`;
}
