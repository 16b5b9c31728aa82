// HTTP/SSE client of the signflow API. The API token lives in localStorage and goes out as a
// bearer header (never in URLs, so it stays out of server logs).
const TOKEN_KEY = 'signflow.token';

export function getToken(): string {
  return localStorage.getItem(TOKEN_KEY) ?? '';
}
export function setToken(token: string): void {
  if (token) localStorage.setItem(TOKEN_KEY, token);
  else localStorage.removeItem(TOKEN_KEY);
}

export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

function headers(extra: Record<string, string> = {}): Record<string, string> {
  const token = getToken();
  return token ? { ...extra, authorization: `Bearer ${token}` } : extra;
}

async function failure(res: Response): Promise<ApiError> {
  let code = 'HTTP_' + String(res.status);
  let message = res.statusText;
  try {
    const body = (await res.json()) as { error?: { code?: string; message?: string } };
    code = body.error?.code ?? code;
    message = body.error?.message ?? message;
  } catch {
    // not JSON: keep the status text
  }
  return new ApiError(res.status, code, message);
}

export async function get<T>(path: string): Promise<T> {
  const res = await fetch(path, { headers: headers() });
  if (!res.ok) throw await failure(res);
  return (await res.json()) as T;
}

export async function post<T>(path: string, body: unknown = {}): Promise<T> {
  const res = await fetch(path, { method: 'POST', headers: headers({ 'content-type': 'application/json' }), body: JSON.stringify(body) });
  if (!res.ok) throw await failure(res);
  return (await res.json()) as T;
}

/** A URL usable by <img>: fetched with the token, handed over as a blob URL. */
export async function blobUrl(path: string): Promise<string> {
  const res = await fetch(path, { headers: headers() });
  if (!res.ok) throw await failure(res);
  return URL.createObjectURL(await res.blob());
}

/**
 * Reads a server-sent event stream with fetch (EventSource cannot send the bearer header).
 * Returns a function that stops it.
 */
export function subscribe(path: string, onEvent: (event: string, data: unknown) => void, onError: (err: Error) => void): () => void {
  const abort = new AbortController();
  void (async () => {
    try {
      const res = await fetch(path, { headers: headers({ accept: 'text/event-stream' }), signal: abort.signal });
      if (!res.ok || !res.body) throw await failure(res);
      const reader = res.body.pipeThrough(new TextDecoderStream()).getReader();
      let buffer = '';
      for (;;) {
        const { value, done } = await reader.read();
        if (done) break;
        buffer += value;
        let cut: number;
        while ((cut = buffer.indexOf('\n\n')) >= 0) {
          const block = buffer.slice(0, cut);
          buffer = buffer.slice(cut + 2);
          let event = 'message';
          let data = '';
          for (const line of block.split('\n')) {
            if (line.startsWith('event: ')) event = line.slice(7);
            else if (line.startsWith('data: ')) data += line.slice(6);
          }
          onEvent(event, data ? (JSON.parse(data) as unknown) : undefined);
        }
      }
    } catch (err) {
      if (!abort.signal.aborted) onError(err instanceof Error ? err : new Error(String(err)));
    }
  })();
  return () => abort.abort();
}
