import { DefaultLogger, Runtime } from '@temporalio/worker';

let installed = false;

/** Temporal workers in tests log only warnings and errors (install once per process, before any worker). */
export function quietTemporalRuntime(): void {
  if (installed) return;
  installed = true;
  Runtime.install({ logger: new DefaultLogger((process.env['SIGNFLOW_TEMPORAL_LOG_LEVEL'] as 'WARN' | undefined) ?? 'WARN') });
}
