import { setTimeout as delay } from 'node:timers/promises';
import type { JetStreamClient } from '@nats-io/jetstream';
import { headers as natsHeaders, PermissionViolationError } from '@nats-io/transport-node';
import { describeError, tracerFor, withPublishSpan, type Logger } from '@signflow/core';
import { FramePublishError } from '../errors.js';
import type { FrameBuffer } from './frame-buffer.js';

export interface SenderCounters {
  sent: number;
  /** Acks that said the stream already had this msg id (a resend after a lost ack). */
  duplicates: number;
  /** Publish attempts that failed and were retried. */
  retries: number;
  sentBytes: number;
}

/**
 * Sends one camera's buffered frames to JetStream strictly in order: the head frame stays in the
 * buffer until its ack arrives, and is resent with the same Nats-Msg-Id after a failure.
 */
export class FrameSender {
  readonly counters: SenderCounters = { sent: 0, duplicates: 0, retries: 0, sentBytes: 0 };
  /** The current publish failure; cleared by the next ack. */
  lastError: FramePublishError | undefined;
  lastErrorAt: string | undefined;
  /** The last failure that an ack ended, and when. */
  recovered: { message: string; at: string; recoveredAt: string } | undefined;
  /** Failure episodes (a run of failed attempts ended by an ack counts once). */
  episodes = 0;
  private readonly abort = new AbortController();
  private loop: Promise<void> | undefined;

  constructor(
    readonly camera: string,
    private readonly subject: string,
    private readonly buffer: FrameBuffer,
    private readonly js: JetStreamClient,
    private readonly options: { msgId: (seq: number) => string; ackTimeoutMs?: number; retryDelayMs?: number; logger?: Logger },
  ) {}

  start(): void {
    this.loop ??= this.run();
  }

  /** Waits until the buffer is empty or `timeoutMs` passes; returns the frames left unsent. */
  async drain(timeoutMs: number): Promise<number> {
    const deadline = Date.now() + timeoutMs;
    while (this.buffer.length > 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
    this.abort.abort();
    await this.loop;
    return this.buffer.length;
  }

  async stop(): Promise<void> {
    this.abort.abort();
    await this.loop;
  }

  private async run(): Promise<void> {
    const signal = this.abort.signal;
    while (!signal.aborted) {
      const frame = this.buffer.peek();
      if (!frame) {
        await this.buffer.waitForFrame(signal);
        continue;
      }
      const h = natsHeaders();
      for (const [name, value] of Object.entries(frame.headers)) h.set(name, value);
      try {
        // W3C trace context in the headers: extraction → transcriber → caption continue this trace
        const ack = await withPublishSpan(tracerFor('signflow-camera-agent'), this.subject, (traced) =>
          this.js.publish(this.subject, frame.data, {
            msgID: this.options.msgId(frame.seq),
            headers: traced,
            timeout: this.options.ackTimeoutMs ?? 2000,
          }), h);
        this.buffer.shift(frame.seq);
        if (this.lastError) {
          this.recovered = { message: this.lastError.message, at: this.lastErrorAt ?? new Date().toISOString(), recoveredAt: new Date().toISOString() };
          this.lastError = undefined;
          this.lastErrorAt = undefined;
        }
        this.counters.sent++;
        this.counters.sentBytes += frame.data.length;
        if (ack.duplicate) this.counters.duplicates++;
      } catch (err) {
        this.counters.retries++;
        const denied = err instanceof PermissionViolationError || /permission/i.test(describeError(err));
        if (!this.lastError) {
          this.episodes++;
          this.lastErrorAt = new Date().toISOString();
        }
        this.lastError = new FramePublishError(
          this.camera,
          denied ? `not allowed to publish on ${this.subject}: check this agent's NATS user` : `publish failed, will retry in order: ${describeError(err)}`,
          { cause: err },
        );
        this.options.logger?.debug({ camera: this.camera, err: this.lastError.message }, 'frame publish failed');
        await delay(denied ? 2000 : (this.options.retryDelayMs ?? 200), undefined, { signal }).catch(() => undefined);
      }
    }
  }
}
