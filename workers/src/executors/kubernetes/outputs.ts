import { describeError, openArtifactStore, type ArtifactStore } from '@signflow/core';
import type { StepLaunch, StepOutcome } from '@signflow/pipelines';
import { outputsReferenceIn, readReferencedOutputs } from '../../steps/outputs-document.js';

/** Where a step Job's large outputs document goes in the artifact store (one key per Job). */
export function outputsKeyFor(launch: StepLaunch, jobName: string): string {
  const safe = (part: string): string => part.replace(/[^A-Za-z0-9._:-]+/g, '-');
  return `runs/${safe(launch.runId)}/${safe(launch.stepId)}/attempt-${launch.attempt}/${jobName}.outputs.json`;
}

function storeOf(launch: StepLaunch): ArtifactStore | undefined {
  const root = launch.env['SIGNFLOW_ARTIFACT_STORE'];
  return root ? openArtifactStore(root) : undefined;
}

/**
 * A succeeded step whose termination message is a reference to its outputs document gets the
 * document from the artifact store, checked against the sha256 the step wrote. A missing or
 * changed document fails the step (not retryable: running it again writes a new one only if the
 * store is fixed).
 */
export async function resolveStepOutputs(outcome: StepOutcome, launch: StepLaunch): Promise<StepOutcome> {
  if (outcome.status !== 'succeeded' || outcome.outputsJson === undefined) return outcome;
  const ref = outputsReferenceIn(outcome.outputsJson);
  if (!ref) return outcome;
  let store: ArtifactStore | undefined;
  try {
    store = storeOf(launch);
    const resolved = await readReferencedOutputs(ref, store).finally(() => store?.close?.());
    if (resolved.ok) return { status: 'succeeded', exitCode: 0, outputsJson: resolved.outputsJson };
    return { status: 'failed', exitCode: 0, retryable: false, reason: resolved.reason };
  } catch (err) {
    return { status: 'failed', exitCode: 0, retryable: true, reason: `cannot read outputs document ${ref.key} from the artifact store: ${describeError(err)}` };
  }
}
