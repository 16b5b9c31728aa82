export { startTestCluster, stagesFile, type TestCluster, type TestClusterOptions } from './cluster.js';
export { findKubeTool, requireKubeTool, kubeToolPins, type KubeToolName } from './tools.js';
export { startProcessKubelet, PROCESS_OUTCOME, type ProcessKubelet, type ProcessKubeletOptions } from './process-kubelet.js';
