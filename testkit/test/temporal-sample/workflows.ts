import { proxyActivities } from '@temporalio/workflow';
import type { SampleActivities } from './activities.js';

const { greet } = proxyActivities<SampleActivities>({ startToCloseTimeout: '30s' });

export async function greetingWorkflow(name: string): Promise<string> {
  return `workflow says: ${await greet(name)}`;
}
