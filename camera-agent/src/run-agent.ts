import { createLogger, describeError, type MetricsListen } from '@signflow/core';
import { startAgent, type AgentOptions } from './agent.js';
import { serveAgentMetrics } from './metrics.js';

/**
 * Runs an agent until SIGTERM or SIGINT, then drains: ffmpeg is stopped, buffered frames are
 * sent (up to the drain timeout), a last heartbeat says "stopped", and NATS is closed.
 * Resolves with the exit code: 0 when everything buffered was sent or kept on disk, 1 otherwise.
 */
export async function runAgentUntilSignal(options: AgentOptions, metrics?: MetricsListen): Promise<number> {
  const logger = options.logger ?? createLogger('camera-agent').child({ rig: options.rig.id });
  const agent = await startAgent({ ...options, logger });
  // Prometheus /metrics (frames, drops, buffer, fps per camera) when a port is configured
  await using _metrics = await serveAgentMetrics(agent, metrics, logger);
  const signal = await new Promise<NodeJS.Signals>((resolve) => {
    process.once('SIGTERM', () => resolve('SIGTERM'));
    process.once('SIGINT', () => resolve('SIGINT'));
  });
  logger.info({ signal }, 'stopping: draining buffered frames');
  try {
    const { unsent, kept } = await agent.stop();
    if (unsent > kept) logger.warn({ unsent, kept }, 'frames lost at shutdown (NATS unreachable and no disk buffer for them)');
    else if (kept > 0) logger.info({ kept }, 'stopped; unsent frames wait in the disk buffer for the next start');
    else logger.info('stopped cleanly');
    return unsent > kept ? 1 : 0;
  } catch (err) {
    logger.error({ err: describeError(err) }, 'error while stopping');
    return 1;
  }
}
