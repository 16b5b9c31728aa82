export { startTestCluster, stagesFile, type TestCluster, type TestClusterOptions } from './cluster.js';
export { findKubeTool, requireKubeTool, kubeToolPins, type KubeToolName } from './tools.js';
