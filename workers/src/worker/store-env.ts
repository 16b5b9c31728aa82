import { natsClientUrl, natsStepCredentialsFile, type SignflowConfig } from '@signflow/core';

/**
 * The environment a step needs to open the stores its worker uses: the dataset store
 * (`datasets.store`) and, when either store is on NATS, the server and credentials to connect
 * with (a step in its own pod cannot share the worker's data dir). The artifact store's root
 * itself reaches steps as SIGNFLOW_ARTIFACT_STORE (the run activity sets it).
 */
export function storesStepEnv(config: Pick<SignflowConfig, 'nats' | 'datasets' | 'artifacts'>): Record<string, string> {
  const env: Record<string, string> = { SIGNFLOW_DATASETS_STORE: config.datasets.store.kind };
  if (config.datasets.store.kind === 'nats') env['SIGNFLOW_DATASETS_BUCKET'] = config.datasets.store.bucket;
  const onNats = config.datasets.store.kind === 'nats' || config.artifacts.store?.startsWith('nats:') === true;
  if (onNats) {
    const url = natsClientUrl(config);
    // A URL carrying a password stays out of step env, which Kubernetes Jobs show to anyone who may
    // read them: there the executor's stepEnv and stepSecretEnv (set by the chart) supply it.
    if (!/^[a-z]+:\/\/[^/@]*@/i.test(url)) env['SIGNFLOW_NATS_URL'] = url;
    if (config.nats.credentials) env['SIGNFLOW_NATS_CREDENTIALS'] = config.nats.credentials;
  }
  return env;
}

/**
 * Steps the local executor runs connect to NATS as the stack's `step` user (their stores, run
 * metrics and model events only), not as the services' user whose seed shares their data dir:
 * its seed file as SIGNFLOW_NATS_CREDENTIALS when `signflow up` generated one and no
 * `nats.credentials` is configured (those reach steps through storesStepEnv).
 */
export function localStepNatsEnv(config: Pick<SignflowConfig, 'nats' | 'dataDir'>): Record<string, string> {
  if (config.nats.credentials) return {};
  const seedFile = natsStepCredentialsFile(config.dataDir);
  return seedFile ? { SIGNFLOW_NATS_CREDENTIALS: seedFile } : {};
}
