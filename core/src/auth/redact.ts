/**
 * A URL (or comma-separated server list) with any password replaced, so NATS URLs such as
 * `nats://signflow:<password>@nats:4222` (how the chart passes credentials) can be logged and
 * shown by `signflow status`.
 */
export function redactUrlCredentials(urls: string): string {
  // user:password@ keeps the user; a lone userinfo (nats://<token>@host) is a token, so all of it goes
  return urls.replace(/(\b[a-z][a-z0-9+.-]*:\/\/)([^/@\s,:]*)(:[^/@\s,]*)?@/gi, (_m, scheme: string, user: string, password: string | undefined) =>
    password === undefined ? `${scheme}[redacted]@` : `${scheme}${user}:[redacted]@`,
  );
}
