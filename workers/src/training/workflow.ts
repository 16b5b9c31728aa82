import { proxyActivities } from '@temporalio/workflow';
import type { TrainActivityInput, TrainActivityResult, TrainingActivities } from './activities.js';

/**
 * A durable training run: one activity that heartbeats; when its worker dies, Temporal retries it
 * on another worker once the heartbeat times out, and the new attempt resumes from the checkpoint.
 */
const { trainModel } = proxyActivities<TrainingActivities>({
  startToCloseTimeout: '24h',
  heartbeatTimeout: '5s',
  retry: { initialInterval: '200ms', backoffCoefficient: 1, maximumAttempts: 10, nonRetryableErrorTypes: ['TRAINING_INPUT', 'VALIDATION'] },
});

export async function trainingWorkflow(input: TrainActivityInput): Promise<TrainActivityResult> {
  return trainModel(input);
}
