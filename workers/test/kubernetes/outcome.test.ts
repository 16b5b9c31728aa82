import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { V1Job, V1Pod } from '@kubernetes/client-node';
import { parseKubernetesExecutorOptions, stepState } from '../../src/executors/kubernetes/index.js';

const policy = parseKubernetesExecutorOptions({ namespace: 'runs' }).retry;

function pod(status: V1Pod['status'], deleting = false): V1Pod {
  return { metadata: { name: 'sf-train-abc-xyz', ...(deleting ? { deletionTimestamp: new Date() } : {}) }, spec: { containers: [{ name: 'step', image: 'img', resources: { limits: { memory: '1Gi' } } }] }, status };
}
const job = (conditions: { type: string; reason?: string; message?: string }[], deadline?: number): V1Job => ({
  spec: { template: {}, ...(deadline ? { activeDeadlineSeconds: deadline } : {}) },
  status: { conditions: conditions.map((c) => ({ ...c, status: 'True' })) },
});

test('no pod yet, then an unschedulable pod, are pending with the reason', () => {
  assert.deepEqual(stepState(undefined, [], policy), { kind: 'pending', phase: 'JobCreated' });
  const state = stepState(job([]), [pod({ phase: 'Pending', conditions: [{ type: 'PodScheduled', status: 'False', message: '0/3 nodes: Insufficient nvidia.com/gpu' }] })], policy);
  assert.equal(state.kind, 'pending');
  assert.equal(state.kind === 'pending' && state.detail, '0/3 nodes: Insufficient nvidia.com/gpu');
});

test('a container config error fails at once, not retryable', () => {
  const state = stepState(job([]), [pod({ phase: 'Pending', containerStatuses: [{ name: 'step', image: 'img', imageID: '', ready: false, restartCount: 0, state: { waiting: { reason: 'CreateContainerConfigError', message: 'secret "s3" not found' } } }] })], policy);
  assert.equal(state.kind, 'done');
  assert.deepEqual(state.kind === 'done' && state.outcome, { status: 'failed', exitCode: null, retryable: false, reason: 'step container cannot start (CreateContainerConfigError): secret "s3" not found' });
});

test('a Job that failed with its pod gone is a lost pod (retryable by default); a deadline is not', () => {
  const lost = stepState(job([{ type: 'Failed', reason: 'BackoffLimitExceeded', message: 'Job has reached the specified backoff limit' }]), [], policy);
  assert.equal(lost.kind === 'done' && lost.outcome.status === 'failed' && lost.outcome.retryable, true);
  const deadline = stepState(job([{ type: 'Failed', reason: 'DeadlineExceeded' }], 30), [pod({ phase: 'Running' }, true)], policy);
  assert.equal(deadline.kind === 'done' && deadline.outcome.status === 'failed' && deadline.outcome.reason, 'step exceeded its timeout of 30s');
});

test('a pod being deleted is not taken for the running step', () => {
  assert.deepEqual(stepState(job([]), [pod({ phase: 'Running' }, true)], policy), { kind: 'pending', phase: 'JobCreated' });
});

test('an empty termination message on success means no outputs document', () => {
  const state = stepState(job([]), [pod({ phase: 'Succeeded', containerStatuses: [{ name: 'step', image: 'img', imageID: '', ready: false, restartCount: 0, state: { terminated: { exitCode: 0, message: '  ' } } }] })], policy);
  assert.deepEqual(state.kind === 'done' && state.outcome, { status: 'succeeded', exitCode: 0 });
});
