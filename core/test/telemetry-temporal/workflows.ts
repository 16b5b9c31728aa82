import { proxyActivities } from '@temporalio/workflow';
import type { TracedActivities } from './activities.js';

const { traced } = proxyActivities<TracedActivities>({ startToCloseTimeout: '30s' });

export async function tracedWorkflow(name: string): Promise<string> {
  return traced(name);
}
