import { html } from 'htm/preact';
import { useEffect, useState } from 'preact/hooks';
import type { ComponentChildren } from 'preact';
import { ApiError } from '../api.js';

export function Status({ status }: { status: string }) {
  return html`<span class=${`badge s-${status}`} data-status=${status}>${status}</span>`;
}

export function ErrorBox({ error }: { error: unknown }) {
  if (!error) return null;
  const message = error instanceof Error ? error.message : typeof error === 'string' ? error : JSON.stringify(error);
  const hint =
    error instanceof ApiError && error.status === 401
      ? 'Paste an API token at the top right (create one with `signflow token create --name me --role viewer`).'
      : error instanceof ApiError && error.status === 403
        ? 'Your token’s role does not allow this.'
        : error instanceof ApiError && (error.status === 501 || (error.status === 404 && error.code === 'HTTP_404'))
          ? 'This server does not serve this: the part that provides it is not running.'
          : '';
  return html`<div class="error" role="alert"><strong>${message}</strong>${hint ? html`<div>${hint}</div>` : null}</div>`;
}

export interface Async<T> {
  data: T | undefined;
  error: unknown;
  loading: boolean;
  reload(): void;
}

/** Runs `load` when `deps` change; keeps the last data while reloading. */
export function useAsync<T>(load: () => Promise<T>, deps: unknown[]): Async<T> {
  const [state, setState] = useState<{ data: T | undefined; error: unknown; loading: boolean }>({ data: undefined, error: undefined, loading: true });
  const [tick, setTick] = useState(0);
  useEffect(() => {
    let live = true;
    setState((s) => ({ ...s, loading: true }));
    load().then(
      (data) => live && setState({ data, error: undefined, loading: false }),
      (error: unknown) => live && setState((s) => ({ data: s.data, error, loading: false })),
    );
    return () => {
      live = false;
    };
  }, [...deps, tick]);
  return { ...state, reload: () => setTick((t) => t + 1) };
}

export function Card({ title, children, id }: { title: string; children: ComponentChildren; id?: string }) {
  return html`<section class="card" id=${id}><h2>${title}</h2>${children}</section>`;
}

export function Json({ value }: { value: unknown }) {
  return html`<pre class="json">${JSON.stringify(value, null, 2)}</pre>`;
}

export function when(iso: string | null | undefined): string {
  return iso ? new Date(iso).toLocaleString() : '—';
}

export function duration(from: string | null, to: string | null): string {
  if (!from) return '—';
  const ms = (to ? Date.parse(to) : Date.now()) - Date.parse(from);
  return ms < 1000 ? `${ms} ms` : ms < 120_000 ? `${(ms / 1000).toFixed(1)} s` : `${Math.round(ms / 60_000)} min`;
}
