import { createHash } from 'node:crypto';

/** Labels every object the executor creates carries; the watches select on the first. */
export const LABELS = {
  managedBy: 'app.kubernetes.io/managed-by',
  component: 'app.kubernetes.io/component',
  run: 'signflow.dev/run',
  step: 'signflow.dev/step',
  attempt: 'signflow.dev/attempt',
  job: 'signflow.dev/job',
} as const;
export const MANAGED_BY = 'signflow';
export const MANAGED_SELECTOR = `${LABELS.managedBy}=${MANAGED_BY}`;

/** Annotations keep the exact ids, which labels may only hold sanitised. */
export const ANNOTATIONS = {
  run: 'signflow.dev/run-id',
  step: 'signflow.dev/step-id',
  inputs: 'signflow.dev/inputs',
} as const;

const DNS_LABEL_MAX = 63;

function shortHash(...parts: string[]): string {
  return createHash('sha256').update(parts.join('\u0000')).digest('hex').slice(0, 10);
}

/** Lowercase, [a-z0-9-] only, no leading/trailing dash, at most `max` characters. */
function dnsSafe(value: string, max: number): string {
  return value
    .toLowerCase()
    .replace(/[^a-z0-9-]+/g, '-')
    .slice(0, max)
    .replace(/^-+|-+$/g, '');
}

/**
 * A label value (≤ 63 of [A-Za-z0-9._-], alphanumeric at both ends). Values that do not fit are
 * shortened and suffixed with a hash of the original, so distinct ids keep distinct labels.
 */
export function labelValue(value: string): string {
  const cleaned = value.replace(/[^A-Za-z0-9._-]+/g, '-').replace(/^[^A-Za-z0-9]+|[^A-Za-z0-9]+$/g, '');
  if (cleaned === value && value.length <= DNS_LABEL_MAX) return value;
  const head = cleaned.slice(0, DNS_LABEL_MAX - 11).replace(/[^A-Za-z0-9]+$/g, '');
  return head ? `${head}-${shortHash(value)}` : shortHash(value);
}

/**
 * The Job's name: `sf-<step>-<hash of run, step, attempt>[-<nonce>]`, a DNS label short enough
 * that the pods' generated names and the `job-name` label still fit. The executor adds a nonce per
 * call, since Temporal retries an activity with the same step attempt.
 */
export function jobName(runId: string, stepId: string, attempt: number, nonce?: string): string {
  const step = dnsSafe(stepId, 34) || 'step';
  const base = `sf-${step}-${shortHash(runId, stepId, String(attempt))}`;
  return nonce ? `${base}-${dnsSafe(nonce, 8)}` : base;
}

/** The ResourceClaimTemplate (and pod claim) name for a Job's DRA devices. */
export function claimTemplateName(job: string): string {
  return `${job}-gpu`;
}
