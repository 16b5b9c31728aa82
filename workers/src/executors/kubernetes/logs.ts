import { StringDecoder } from 'node:string_decoder';
import { request as httpRequest, type IncomingMessage } from 'node:http';
import { request as httpsRequest, type RequestOptions } from 'node:https';
import { CoreV1Api, type KubeConfig } from '@kubernetes/client-node';
import type { Logger } from '@signflow/core';
import type { StepLogSink } from '@signflow/pipelines';
import { STEP_CONTAINER } from './spec.js';

/**
 * Copies a pod's step container log into the step's log sink while it runs (follow), so the log
 * outlives the pod. A kubelet ends the follow stream when the container exits, but not every node
 * does (kwok's never ends), and the stream may lag: `finish()` therefore stops it and reads the
 * whole log once more, writing only the bytes the sink has not had yet.
 */
export class PodLogCopier {
  private written = 0;
  private readonly decoder = new StringDecoder('utf8');
  private pending: Promise<void> = Promise.resolve();
  private abort: AbortController | undefined;
  private streaming: Promise<void> = Promise.resolve();
  private sinkError: Error | undefined;

  constructor(
    private readonly kubeConfig: KubeConfig,
    private readonly namespace: string,
    readonly pod: string,
    private readonly sink: StepLogSink,
    private readonly log: Logger,
  ) {}

  /** Opens the follow stream (from the start of the log); it runs until finish() or stop(). */
  start(): void {
    this.abort = new AbortController();
    this.streaming = this.follow(this.abort.signal).catch((err: unknown) => {
      // Not fatal: finish() reads the whole log again; the container may not have started yet.
      if (!this.abort?.signal.aborted) this.log.debug({ err, pod: this.pod }, 'log follow ended with an error');
    });
  }

  private async follow(signal: AbortSignal): Promise<void> {
    const cluster = this.kubeConfig.getCurrentCluster();
    if (!cluster) throw new Error('kubeconfig has no current cluster');
    const url = new URL(`${cluster.server}/api/v1/namespaces/${this.namespace}/pods/${this.pod}/log`);
    url.searchParams.set('container', STEP_CONTAINER);
    url.searchParams.set('follow', 'true');
    // client-node's Log pipes the response without an error listener, so aborting it would throw.
    const options: RequestOptions = { method: 'GET' };
    await this.kubeConfig.applyToHTTPSOptions(options);
    const send = url.protocol === 'http:' ? httpRequest : httpsRequest;
    const response = await new Promise<IncomingMessage>((resolve, reject) => {
      const req = send(url, { ...options, signal }, resolve);
      req.on('error', reject);
      req.end();
    });
    response.on('error', () => undefined);
    if (response.statusCode !== 200) {
      response.resume();
      throw new Error(`log follow: HTTP ${response.statusCode}`);
    }
    for await (const chunk of response) {
      await this.enqueue(chunk as Buffer);
    }
  }

  private enqueue(chunk: Buffer): Promise<void> {
    this.pending = this.pending.then(async () => {
      this.written += chunk.length;
      const text = this.decoder.write(chunk);
      if (!text) return;
      try {
        await this.sink.write(text);
      } catch (err) {
        this.sinkError ??= err instanceof Error ? err : new Error(String(err));
      }
    });
    return this.pending;
  }

  /** Stops following, then copies whatever the stream had not delivered yet. */
  async finish(): Promise<void> {
    await this.stop();
    try {
      const core = this.kubeConfig.makeApiClient(CoreV1Api);
      const full = Buffer.from(await core.readNamespacedPodLog({ name: this.pod, namespace: this.namespace, container: STEP_CONTAINER }), 'utf8');
      if (full.length > this.written) await this.enqueue(full.subarray(this.written));
    } catch (err) {
      this.log.debug({ err, pod: this.pod }, 'final log read failed (pod gone?)');
    }
    const rest = this.decoder.end();
    if (rest) await this.sink.write(rest);
    if (this.sinkError) throw this.sinkError;
  }

  /** Stops following without the final read (cancellation). */
  async stop(): Promise<void> {
    this.abort?.abort();
    await this.streaming;
    await this.pending;
  }
}
