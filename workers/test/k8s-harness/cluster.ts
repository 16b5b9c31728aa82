import { generateKeyPairSync, randomBytes } from 'node:crypto';
import { appendFile, mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { CoreV1Api, KubeConfig, ResourceV1Api } from '@kubernetes/client-node';
import { ManagedProcess, freePort, waitFor } from '@signflow/stack';
import { tempDir, type TempDir } from '@signflow/testkit';
import { answers200, get } from './http.js';
import { requireKubeTool } from './tools.js';
import { installKwokLogsCrd } from './kwok-logs-crd.js';

/** kwok's Stage files: pods move Pending → Running → Succeeded/Failed by the rules there. */
export const stagesFile = fileURLToPath(new URL('./kwok/stages.yaml', import.meta.url));

export interface TestClusterOptions {
  /** Devices on the GPU node: its `nvidia.com/gpu` capacity and the DRA devices of its ResourceSlice. */
  gpus?: number;
  startTimeoutMs?: number;
}

export interface TestCluster {
  /** https://127.0.0.1:<free port> */
  readonly server: string;
  readonly dir: string;
  /** Nodes kwok runs: a CPU node and a GPU node (tainted `nvidia.com/gpu=present:NoSchedule`). */
  readonly nodes: { cpu: string; gpu: string };
  /** The DeviceClass of the GPU node's DRA devices. */
  readonly deviceClass: string;
  /** Kubeconfig file of the admin (system:masters, token auth). */
  readonly kubeconfigPath: string;
  /** A client config for the admin (a test that needs fewer rights makes a service-account token). */
  kubeConfig(): KubeConfig;
  /** Creates a namespace (random name unless given) and waits for its default service account. */
  createNamespace(name?: string): Promise<string>;
  /** Replaces what kwok serves as every container's log (one line each). */
  writeContainerLog(lines: readonly string[]): Promise<void>;
  /** Appends lines to it, as a running container would. */
  appendContainerLog(lines: readonly string[]): Promise<void>;
  [Symbol.asyncDispose](): Promise<void>;
}

function criLines(lines: readonly string[]): string {
  return lines.map((line) => `${new Date().toISOString()} stdout F ${line}\n`).join('');
}

function kubeconfigYaml(server: string, caPem: string, token: string, user: string): string {
  const ca = Buffer.from(caPem).toString('base64');
  return [
    'apiVersion: v1',
    'kind: Config',
    'clusters:',
    `- name: signflow-test`,
    `  cluster: { server: "${server}", certificate-authority-data: "${ca}" }`,
    'users:',
    `- name: ${user}`,
    `  user: { token: "${token}" }`,
    'contexts:',
    `- name: ${user}@signflow-test`,
    `  context: { cluster: signflow-test, user: ${user} }`,
    `current-context: ${user}@signflow-test`,
    '',
  ].join('\n');
}

class ControlPlane implements TestCluster {
  readonly processes: ManagedProcess[] = [];
  readonly nodes = { cpu: 'kwok-cpu-0', gpu: 'kwok-gpu-0' };
  readonly deviceClass = 'gpu.nvidia.com';
  server = '';
  caPem = '';
  private config: KubeConfig | undefined;

  constructor(
    private readonly temp: TempDir,
    private readonly adminToken: string,
    private readonly timeoutMs: number,
  ) {}

  get dir(): string {
    return this.temp.path;
  }

  get logFile(): string {
    return join(this.dir, 'container.log');
  }

  get kubeconfigPath(): string {
    return join(this.dir, 'kubeconfig.yaml');
  }

  kubeConfig(): KubeConfig {
    if (!this.config) {
      this.config = new KubeConfig();
      this.config.loadFromFile(this.kubeconfigPath);
    }
    return this.config;
  }

  spawn(name: string, command: string, args: string[]): ManagedProcess {
    const proc = new ManagedProcess({ command, args, logFile: join(this.dir, `${name}.log`), tailLines: 30 });
    this.processes.push(proc);
    return proc;
  }

  async ready(what: string, proc: ManagedProcess, check: () => Promise<true | undefined>): Promise<void> {
    await waitFor(what, check, { timeoutMs: this.timeoutMs, intervalMs: 100, abortIf: () => (proc.running ? undefined : proc.exitError()) });
  }

  async start(gpus: number): Promise<void> {
    const [etcdPort, etcdPeer, apiPort, kcmPort, schedPort, kwokPort] = await Promise.all([freePort(), freePort(), freePort(), freePort(), freePort(), freePort()]);
    const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048, publicKeyEncoding: { type: 'spki', format: 'pem' }, privateKeyEncoding: { type: 'pkcs8', format: 'pem' } });
    await writeFile(join(this.dir, 'sa.key'), privateKey, { mode: 0o600 });
    await writeFile(join(this.dir, 'sa.pub'), publicKey);
    await writeFile(
      join(this.dir, 'tokens.csv'),
      `${this.adminToken},admin,admin,"system:masters"\n`,
      { mode: 0o600 },
    );
    await writeFile(this.logFile, '');

    const etcdUrl = `http://127.0.0.1:${etcdPort}`;
    const etcd = this.spawn('etcd', requireKubeTool('etcd'), [
      `--data-dir=${join(this.dir, 'etcd')}`,
      `--listen-client-urls=${etcdUrl}`,
      `--advertise-client-urls=${etcdUrl}`,
      `--listen-peer-urls=http://127.0.0.1:${etcdPeer}`,
      `--initial-advertise-peer-urls=http://127.0.0.1:${etcdPeer}`,
      `--initial-cluster=default=http://127.0.0.1:${etcdPeer}`,
      '--unsafe-no-fsync',
      '--log-level=warn',
    ]);
    await this.ready('etcd', etcd, async () => {
      const { status, body } = await get(`${etcdUrl}/health`);
      return status === 200 && body.includes('"true"') ? true : undefined;
    });

    const certDir = join(this.dir, 'certs');
    this.server = `https://127.0.0.1:${apiPort}`;
    const apiserver = this.spawn('kube-apiserver', requireKubeTool('kube-apiserver'), [
      `--etcd-servers=${etcdUrl}`,
      '--bind-address=127.0.0.1',
      '--advertise-address=127.0.0.1',
      `--secure-port=${apiPort}`,
      `--cert-dir=${certDir}`,
      `--token-auth-file=${join(this.dir, 'tokens.csv')}`,
      '--authorization-mode=RBAC',
      '--service-account-issuer=https://kubernetes.default.svc',
      `--service-account-key-file=${join(this.dir, 'sa.pub')}`,
      `--service-account-signing-key-file=${join(this.dir, 'sa.key')}`,
      '--service-cluster-ip-range=10.96.0.0/16',
      '--kubelet-preferred-address-types=InternalIP',
      '--allow-privileged=false',
      '--profiling=false',
    ]);
    // The API server writes a self-signed serving certificate followed by its CA.
    await this.ready('kube-apiserver certificate', apiserver, async () => {
      this.caPem = await readFile(join(certDir, 'apiserver.crt'), 'utf8');
      return this.caPem.includes('END CERTIFICATE') ? true : undefined;
    });
    await this.ready('kube-apiserver /readyz', apiserver, () => answers200(`${this.server}/readyz`, { ca: this.caPem, token: this.adminToken }));
    await writeFile(this.kubeconfigPath, kubeconfigYaml(this.server, this.caPem, this.adminToken, 'admin'), { mode: 0o600 });
    const admin = this.kubeconfigPath;

    const kcm = this.spawn('kube-controller-manager', requireKubeTool('kube-controller-manager'), [
      `--kubeconfig=${admin}`,
      '--leader-elect=false',
      '--bind-address=127.0.0.1',
      `--secure-port=${kcmPort}`,
      `--service-account-private-key-file=${join(this.dir, 'sa.key')}`,
      `--root-ca-file=${join(certDir, 'apiserver.crt')}`,
      '--use-service-account-credentials=false',
      // Only what signflow's objects need: Jobs → pods, claim templates → claims, owner clean-up,
      // and node-lifecycle to lift the not-ready taint new nodes get.
      '--controllers=job-controller,node-lifecycle-controller,garbage-collector-controller,resourceclaim-controller,serviceaccount-controller,serviceaccount-token-controller,namespace-controller,ttl-after-finished-controller,pod-garbage-collector-controller',
    ]);
    const scheduler = this.spawn('kube-scheduler', requireKubeTool('kube-scheduler'), [
      `--kubeconfig=${admin}`,
      '--leader-elect=false',
      '--bind-address=127.0.0.1',
      `--secure-port=${schedPort}`,
    ]);
    // Pods the process kubelet runs get their own log file through a per-pod Logs object.
    await installKwokLogsCrd(this.kubeConfig(), this.timeoutMs);
    const logsConfig = join(this.dir, 'kwok-logs.yaml');
    await writeFile(
      logsConfig,
      ['apiVersion: kwok.x-k8s.io/v1alpha1', 'kind: ClusterLogs', 'metadata:', '  name: every-container', 'spec:', '  logs:', `  - logsFile: ${this.logFile}`, '    follow: true', ''].join('\n'),
    );
    const kwok = this.spawn('kwok', requireKubeTool('kwok'), [
      `--kubeconfig=${admin}`,
      '--manage-nodes-with-annotation-selector=kwok.x-k8s.io/node=fake',
      '--node-ip=127.0.0.1',
      `--node-port=${kwokPort}`,
      `--server-address=127.0.0.1:${kwokPort}`,
      // kwok serves pod logs over HTTPS like a kubelet; the API server's own pair will do.
      `--tls-cert-file=${join(certDir, 'apiserver.crt')}`,
      `--tls-private-key-file=${join(certDir, 'apiserver.key')}`,
      `--config=${stagesFile}`,
      `--config=${logsConfig}`,
      '--enable-crds=Logs',
      '--node-lease-duration-seconds=40',
    ]);
    await Promise.all([
      this.ready('kube-controller-manager /healthz', kcm, () => answers200(`https://127.0.0.1:${kcmPort}/healthz`, { insecure: true })),
      this.ready('kube-scheduler /healthz', scheduler, () => answers200(`https://127.0.0.1:${schedPort}/healthz`, { insecure: true })),
      this.ready('kwok /healthz', kwok, () => answers200(`http://127.0.0.1:${kwokPort}/healthz`)),
    ]);
    await this.createNodes(gpus, kwok);
  }

  private async createNodes(gpus: number, kwok: ManagedProcess): Promise<void> {
    const core = this.kubeConfig().makeApiClient(CoreV1Api);
    const node = (name: string, labels: Record<string, string>, extra: Record<string, string>, gpuTaint: boolean) => ({
      apiVersion: 'v1',
      kind: 'Node',
      metadata: { name, annotations: { 'kwok.x-k8s.io/node': 'fake' }, labels: { 'kubernetes.io/hostname': name, 'kubernetes.io/os': 'linux', ...labels } },
      spec: gpuTaint ? { taints: [{ key: 'nvidia.com/gpu', value: 'present', effect: 'NoSchedule' }] } : {},
      status: {
        capacity: { cpu: '32', memory: '128Gi', pods: '110', ...extra },
        allocatable: { cpu: '32', memory: '128Gi', pods: '110', ...extra },
      },
    });
    await core.createNode({ body: node(this.nodes.cpu, { 'signflow.dev/pool': 'cpu' }, {}, false) });
    await core.createNode({ body: node(this.nodes.gpu, { 'signflow.dev/pool': 'gpu', 'nvidia.com/gpu.present': 'true' }, gpus > 0 ? { 'nvidia.com/gpu': String(gpus) } : {}, true) });
    for (const name of [this.nodes.cpu, this.nodes.gpu]) {
      // Ready (kwok) and schedulable (node-lifecycle lifts the not-ready taint new nodes get).
      await this.ready(`node ${name} Ready`, kwok, async () => {
        const n = await core.readNode({ name });
        const ready = n.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True');
        const tainted = n.spec?.taints?.some((t) => t.key.startsWith('node.kubernetes.io/'));
        return ready && !tainted ? true : undefined;
      });
    }
    if (gpus > 0) await this.publishGpuDevices(gpus);
  }

  /** What a DRA driver would publish: a DeviceClass and the GPU node's devices in a ResourceSlice. */
  private async publishGpuDevices(gpus: number): Promise<void> {
    const resource = this.kubeConfig().makeApiClient(ResourceV1Api);
    await resource.createDeviceClass({
      body: { metadata: { name: this.deviceClass }, spec: { selectors: [{ cel: { expression: `device.driver == "${this.deviceClass}"` } }] } },
    });
    const products = ['NVIDIA A100-SXM4-40GB', 'NVIDIA L4'];
    await resource.createResourceSlice({
      body: {
        metadata: { name: `${this.nodes.gpu}-gpus` },
        spec: {
          driver: this.deviceClass,
          nodeName: this.nodes.gpu,
          pool: { name: this.nodes.gpu, generation: 1, resourceSliceCount: 1 },
          devices: Array.from({ length: gpus }, (_, i) => ({
            name: `gpu-${i}`,
            attributes: { productName: { string: products[i % products.length] ?? 'NVIDIA L4' }, index: { _int: i } },
            capacity: { memory: { value: i % 2 === 0 ? '40Gi' : '24Gi' } },
          })),
        },
      },
    });
  }

  async createNamespace(name = `t-${randomBytes(4).toString('hex')}`): Promise<string> {
    const core = this.kubeConfig().makeApiClient(CoreV1Api);
    await core.createNamespace({ body: { metadata: { name } } });
    await waitFor(
      `default service account in ${name}`,
      async () => ((await core.listNamespacedServiceAccount({ namespace: name })).items.some((sa) => sa.metadata?.name === 'default') ? true : undefined),
      { timeoutMs: this.timeoutMs, intervalMs: 50 },
    );
    return name;
  }

  async writeContainerLog(lines: readonly string[]): Promise<void> {
    await writeFile(this.logFile, criLines(lines));
  }

  async appendContainerLog(lines: readonly string[]): Promise<void> {
    await appendFile(this.logFile, criLines(lines));
  }

  async stopAll(): Promise<void> {
    // Reverse order: clients before the API server, the API server before etcd.
    for (const proc of [...this.processes].reverse()) await proc.stop(5000);
  }

  async [Symbol.asyncDispose](): Promise<void> {
    try {
      await this.stopAll();
    } finally {
      await this.temp[Symbol.asyncDispose]();
    }
  }
}

/**
 * A real Kubernetes control plane for tests: etcd, kube-apiserver (token auth, RBAC),
 * kube-controller-manager, kube-scheduler and kwok (a CPU node and a GPU node with
 * `nvidia.com/gpu` capacity and DRA devices), all on free ports in a temp dir. Takes a few
 * seconds: start one per test file. `await using` stops everything and removes the dir.
 */
export async function startTestCluster(options: TestClusterOptions = {}): Promise<TestCluster> {
  const temp = await tempDir('signflow-k8s-');
  await mkdir(join(temp.path, 'etcd'), { recursive: true });
  const cluster = new ControlPlane(temp, randomBytes(16).toString('hex'), options.startTimeoutMs ?? 60_000);
  try {
    await cluster.start(options.gpus ?? 4);
    return cluster;
  } catch (err) {
    await cluster[Symbol.asyncDispose]();
    throw err;
  }
}
