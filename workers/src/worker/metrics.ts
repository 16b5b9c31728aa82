import type { ActivityInterceptorsFactory } from '@temporalio/worker';
import { ApplicationFailure, CancelledFailure } from '@temporalio/common';
import { processMetricsRegistry, signflowMetrics, type Registry } from '@signflow/core';
import type { StepInvocation, StepResult } from '@signflow/pipelines';

/** The step label: the step path with loop indices folded (`per-class[2].augment` → `per-class[].augment`), so series stay few. */
export function stepLabel(stepPath: string): string {
  return stepPath.replace(/\[\d+\]/g, '[]');
}

/** How a step attempt ended, as the `status` label: succeeded, cached, reused, failed, cancelled or retried. */
export function stepStatusOf(outcome: { result: StepResult } | { error: unknown }): string {
  if ('result' in outcome) return outcome.result.source === 'executed' ? 'succeeded' : outcome.result.source;
  const { error } = outcome;
  if (error instanceof CancelledFailure) return 'cancelled';
  if (error instanceof ApplicationFailure && error.nonRetryable) return 'failed';
  return 'retried';
}

export interface StepMetricsOptions {
  /** Pipeline name of a run (the run index knows it); `unknown` when it returns undefined. */
  pipelineOf: (runId: string) => string | undefined;
  registry?: Registry;
}

/**
 * An activity interceptor that records every `runStep` on the pipeline worker:
 * `signflow_step_duration_seconds{pipeline,step,status}` and `signflow_steps_running{pipeline}`.
 * The activities stay free of metrics code.
 */
export function stepMetricsInterceptor(options: StepMetricsOptions): ActivityInterceptorsFactory {
  const registry = options.registry ?? processMetricsRegistry();
  const duration = signflowMetrics.stepDuration(registry);
  const running = signflowMetrics.runningSteps(registry);
  const pipelines = new Map<string, string>();
  const pipelineOf = (runId: string): string => {
    let name = pipelines.get(runId);
    if (name === undefined) {
      name = options.pipelineOf(runId) ?? 'unknown';
      if (pipelines.size >= 256) pipelines.clear();
      pipelines.set(runId, name);
    }
    return name;
  };
  return (ctx) => ({
    inbound: {
      async execute(input, next) {
        const inv = input.args[0] as StepInvocation | undefined;
        if (ctx.info.activityType !== 'runStep' || !inv?.runId || !inv.stepPath) return next(input);
        const pipeline = pipelineOf(inv.runId);
        const labels = { pipeline, step: stepLabel(inv.stepPath) };
        const end = duration.startTimer(labels);
        running.inc({ pipeline });
        try {
          const result = (await next(input)) as StepResult;
          end({ status: stepStatusOf({ result }) });
          return result;
        } catch (error) {
          end({ status: stepStatusOf({ error }) });
          throw error;
        } finally {
          running.dec({ pipeline });
        }
      },
    },
  });
}
