import { request } from 'node:https';
import { request as httpRequest } from 'node:http';

export interface ProbeOptions {
  /** PEM of the CA to trust; omitted with `insecure` for our own components' self-signed ports. */
  ca?: string;
  insecure?: boolean;
  token?: string;
}

/** GETs a URL and resolves with the status and body; never rejects on HTTP errors. */
export function get(url: string, options: ProbeOptions = {}): Promise<{ status: number; body: string }> {
  const u = new URL(url);
  const send = u.protocol === 'https:' ? request : httpRequest;
  return new Promise((resolve, reject) => {
    const req = send(
      u,
      {
        method: 'GET',
        ca: options.ca,
        rejectUnauthorized: !options.insecure,
        headers: options.token ? { authorization: `Bearer ${options.token}` } : {},
        timeout: 5000,
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8') }));
        res.on('error', reject);
      },
    );
    req.on('timeout', () => req.destroy(new Error(`GET ${url} timed out`)));
    req.on('error', reject);
    req.end();
  });
}

/** Resolves true when GET url answers 200 (a readiness probe for waitFor). */
export async function answers200(url: string, options: ProbeOptions = {}): Promise<true | undefined> {
  const { status } = await get(url, options);
  return status === 200 ? true : undefined;
}
