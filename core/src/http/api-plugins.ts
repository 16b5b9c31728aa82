import type { FastifyInstance } from 'fastify';
import type { ArtifactStore } from '../artifacts/store.js';
import type { SignflowConfig } from '../config/schema.js';
import type { Logger } from '../logging.js';
import { registerApiAuth } from '../auth/fastify.js';
import { TokenStore } from '../auth/token-store.js';
import type { TokenVerifier } from '../auth/authorize.js';
import { TokenStoreError } from '../auth/errors.js';
import { anyVerifier, MIN_STATIC_TOKEN_LENGTH, staticTokenVerifier } from '../auth/static-token.js';
import { renderMetrics } from '../telemetry/metrics-server.js';
import { processMetricsRegistry } from '../telemetry/metrics.js';

/** What the API server hands each plugin: its config and the run/artifact sources it serves. */
export interface ApiPluginContext {
  config: SignflowConfig;
  logger: Logger;
  /** A run with its steps (the pipelines RunService's `getRun`). */
  getRun(runId: string): Promise<unknown>;
  artifacts: ArtifactStore;
}

/** Adds routes to the signflow API server (the console, registry endpoints, ...). */
export type ApiPlugin = (app: FastifyInstance, ctx: ApiPluginContext) => void | Promise<void>;

const plugins = new Map<string, ApiPlugin>();

/**
 * Packages that serve something on the signflow API register it here when their `./stack-parts`
 * module loads (as step implementations register themselves), so the API package needs no import
 * of theirs. Registering a name twice replaces the first.
 */
export function registerApiPlugin(name: string, plugin: ApiPlugin): void {
  plugins.set(name, plugin);
}

export function registeredApiPlugins(): string[] {
  return [...plugins.keys()];
}

/**
 * The tokens the API accepts: those of the data dir's token store, plus `SIGNFLOW_API_ADMIN_TOKEN`
 * when set (the chart gives every API replica the same admin token from a Secret).
 */
export function apiTokenVerifier(config: Pick<SignflowConfig, 'dataDir'>, env: NodeJS.ProcessEnv = process.env): TokenVerifier {
  const tokens = new TokenStore(config.dataDir);
  const fixed = env['SIGNFLOW_API_ADMIN_TOKEN']?.trim();
  if (!fixed) return tokens;
  if (fixed.length < MIN_STATIC_TOKEN_LENGTH) throw new TokenStoreError(`SIGNFLOW_API_ADMIN_TOKEN is shorter than ${MIN_STATIC_TOKEN_LENGTH} characters: use a long random value`);
  return anyVerifier(tokens, staticTokenVerifier(fixed, { name: 'admin (SIGNFLOW_API_ADMIN_TOKEN)', role: 'admin' }));
}

/**
 * Everything the signflow API adds around its own routes: token auth on every route (refused
 * without a valid token; `signflow up` bootstraps the first admin token; only an explicit
 * `auth: { mode: off }` in the config opens it, with a loud warning), `/metrics` for Prometheus,
 * then the registered plugins. Call after creating the app, before `listen`.
 */
export async function prepareApiServer(app: FastifyInstance, ctx: ApiPluginContext): Promise<void> {
  const off = ctx.config.auth.mode === 'off';
  if (off) ctx.logger.warn('API AUTHENTICATION IS OFF (auth.mode: off): anyone who can reach this port may submit runs and promote models; use this only for throwaway local development');
  registerApiAuth(app, { verifier: apiTokenVerifier(ctx.config), open: () => off });
  const registry = processMetricsRegistry();
  app.get('/metrics', async (_req, reply) => {
    const { contentType, body } = await renderMetrics(registry);
    return reply.header('content-type', contentType).send(body);
  });
  for (const [name, plugin] of plugins) {
    try {
      await plugin(app, ctx);
    } catch (err) {
      ctx.logger.error({ err, plugin: name }, 'API plugin could not be registered; the API runs without it');
    }
  }
}
