export { KubernetesExecutor, type KubernetesExecutorDeps, type TraceEvent } from './executor.js';
export { buildStepObjects, STEP_PATHS, STEP_CONTAINER, MAX_OUTPUTS_BYTES, type StepObjects } from './spec.js';
export { stepState, outcomeOfPod, type StepState } from './outcome.js';
export { kubernetesExecutorOptionsSchema, parseKubernetesExecutorOptions, kubernetesExecutorOptionsFromEnv, EXECUTOR_OPTIONS_ENV, type KubernetesExecutorOptions, type KubernetesExecutorOptionsInput, type RetryPolicy } from './options.js';
export { jobName, claimTemplateName, labelValue, LABELS, ANNOTATIONS, MANAGED_SELECTOR } from './names.js';
export { KubernetesApiError, KubernetesSpecError, KubernetesStepCancelledError } from './errors.js';
