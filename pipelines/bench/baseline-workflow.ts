import { proxyActivities } from '@temporalio/workflow';

const { noop } = proxyActivities<{ noop(): Promise<void> }>({ startToCloseTimeout: '1m' });

/** The benchmark's baseline: `n` sequential activity round-trips and nothing else. */
export async function activityChain(n: number): Promise<void> {
  for (let i = 0; i < n; i++) await noop();
}
