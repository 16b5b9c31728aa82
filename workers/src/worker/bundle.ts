import { bundleWorkflowCode, type WorkflowBundleWithSourceMap } from '@temporalio/worker';
import { temporalWorkflowInterceptorModules } from '@signflow/core/temporal-tracing';
import { runWorkflowPath } from '@signflow/pipelines';

const silent = { log: () => undefined, trace: () => undefined, debug: () => undefined, info: () => undefined, warn: () => undefined, error: () => undefined };

/**
 * The run workflow bundled ahead of time (SIGNFLOW_WORKFLOW_BUNDLE, tests, benches), with Temporal's
 * OpenTelemetry workflow interceptors in it: a Worker given a bundle cannot add them itself.
 */
export function bundleRunWorkflow(options: { quiet?: boolean } = {}): Promise<WorkflowBundleWithSourceMap> {
  return bundleWorkflowCode({
    workflowsPath: runWorkflowPath,
    workflowInterceptorModules: [...temporalWorkflowInterceptorModules],
    ...(options.quiet === false ? {} : { logger: silent }),
  });
}
