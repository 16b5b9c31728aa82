import type { NatsConnection } from '@nats-io/nats-core';
import {
  AckPolicy,
  DeliverPolicy,
  JetStreamApiError,
  jetstream,
  jetstreamManager,
  type ConsumerInfo,
  type ConsumerMessages,
  type JetStreamManager,
  type JetStreamClient,
  type JsMsg,
} from '@nats-io/jetstream';
import {
  captionSchema,
  createLogger,
  describeError,
  landmarkPacketSchema,
  streams,
  subjects,
  type Caption,
  type LandmarkPacket,
  type Logger,
} from '@signflow/core';
import type { CameraModel } from '@signflow/datasets';
import { TranscriberError } from './errors.js';
import { TranscriberTelemetry } from './telemetry.js';
import type { LiveFrame } from './live-frame.js';
import type { ModelSource } from './model-source.js';
import { transcriberOptionsSchema, type TranscriberOptions, type TranscriberOptionsInput } from './options.js';
import type { Recognizer } from './recognizer.js';
import { RigFrames } from './rig-frames.js';
import { Segmenter } from './segmenter.js';
import { ensureStream, liveStreamConfigs } from './streams.js';
import { parseWith, percentile } from '@signflow/core';

/** One instant of the rig as the segmenter keeps it. */
interface FrameItem {
  frame: LiveFrame;
  captureTimeNs: string;
  /** Lowest stream sequence of its landmark packets: the segment id derives from its first frame's. */
  streamSeq: number;
  cameras: readonly string[];
}

export interface TranscriberStats {
  rig: string;
  /** Landmark packets recognised as such (any camera of the rig). */
  packets: number;
  /** Messages that were not valid landmark packets: counted, acknowledged, skipped. */
  garbage: number;
  /** Packets of a camera arriving with a capture time not after the previous one (skipped). */
  outOfOrder: number;
  partials: number;
  finals: number;
  /** Candidate segments too short to be a sign. */
  dropped: number;
  /** Model of the next caption. */
  model: { name: string; version: string };
  /** Single-view mode: the camera recognised; multi-view: the camera fused frames are re-projected into for image-space models. */
  camera: string | undefined;
  /** `fused` when the rig has two or more calibrated cameras (views triangulated per instant), else `single-view`. */
  mode: 'fused' | 'single-view';
  /** Instants triangulated from two or more views. */
  fusedFrames: number;
  /** Instants read from one camera (single-view mode, or a fused rig with one calibrated view at that instant). */
  singleViewFrames: number;
  /** Capture time → processed, for the latest packet (ms): how far behind real time the rig is. */
  lagMs: number;
  /** Largest lag seen since the start. */
  maxLagMs: number;
  /** 95th percentile of the lag over the last 1,000 packets. */
  lagP95Ms: number;
}

export interface Transcriber extends AsyncDisposable {
  readonly rig: string;
  stats(): TranscriberStats;
  /** Swaps the model between two packets: no caption is dropped or produced twice. */
  setModel(model: Recognizer): void;
  /** Stops consuming (the durable consumer keeps the position) and disposes the model. */
  stop(): Promise<void>;
  /** Resolves when the consume loop ends (after stop, or rejects on a fatal error). */
  readonly done: Promise<void>;
}

export interface TranscriberDeps {
  nc: NatsConnection;
  models: ModelSource;
  /** Calibrated cameras of the rig (its rig file): with two or more, each instant's views are fused. */
  cameras?: ReadonlyMap<string, CameraModel>;
  logger?: Logger;
  /** Wall clock in ms (tests and benches may pass their own). */
  now?: () => number;
}

/**
 * Starts transcribing one rig: consumes its landmark packets through a durable JetStream
 * consumer, segments signs (hands raised/lowered), recognises them with the current model and
 * publishes partial and final captions on `subjects.captions(rig)`.
 *
 * Exactly-once captions across restarts: packets are acknowledged (ack-all) only up to the
 * start of an open sign, so a restart replays the open sign from its first frame; the segment
 * id is the stream sequence of that first frame and the final carries it as Nats-Msg-Id, so a
 * final already published before a crash is dropped by the stream's duplicate window.
 */
export async function startTranscriber(deps: TranscriberDeps, input: TranscriberOptionsInput): Promise<Transcriber> {
  const options = parseWith(transcriberOptionsSchema, input, 'transcriber options');
  const logger = (deps.logger ?? createLogger('transcriber')).child({ rig: options.rig });
  const jsm = await jetstreamManager(deps.nc);
  await ensureStream(jsm, liveStreamConfigs.landmarks);
  await ensureStream(jsm, liveStreamConfigs.captions);
  const durable = options.durable ?? `transcriber-${options.rig}`;
  await prepareConsumer(jsm, options, durable, logger);
  const resume = await lastCaption(jsm, options.rig, logger);
  const model = await deps.models.current();
  const js = jetstream(deps.nc);
  const consumer = await js.consumers.get(streams.landmarks, durable);
  const messages = await consumer.consume({ max_messages: 512 });
  const frames = new RigFrames({ ...(deps.cameras ? { cameras: deps.cameras } : {}), ...(options.camera ? { reference: options.camera } : {}), toleranceMs: options.fusionToleranceMs });
  const run = new RigRun(options, js, model, resume, frames, logger, deps.now ?? Date.now);
  const stopWatching = await deps.models.watch((next) => run.setModel(next));
  const done = run.loop(messages);
  let stopped: Promise<void> | undefined;
  const stop = (): Promise<void> => {
    stopped ??= (async () => {
      await stopWatching();
      await messages.close();
      await done.catch(() => undefined);
      run.dispose();
    })();
    return stopped;
  };
  logger.info(
    { durable, model: `${model.name}@${model.version}`, features: model.featureSpec.layout.id, mode: frames.fusing ? 'fused' : 'single-view', cameras: [...(deps.cameras?.keys() ?? [])] },
    'transcriber started',
  );
  return {
    rig: options.rig,
    stats: () => run.stats(),
    setModel: (next) => run.setModel(next),
    stop,
    done,
    [Symbol.asyncDispose]: stop,
  };
}

/**
 * Creates the durable consumer, or, when a previous run left packets delivered but not
 * acknowledged (it stopped or crashed inside a sign), recreates it at the first unacknowledged
 * packet so the open sign is replayed from its first frame, in order, right away (instead of
 * after the ack wait, behind newer packets).
 */
async function prepareConsumer(jsm: JetStreamManager, options: TranscriberOptions, durable: string, logger: Logger): Promise<void> {
  let info: ConsumerInfo | undefined;
  try {
    info = await jsm.consumers.info(streams.landmarks, durable);
  } catch (err) {
    if (!(err instanceof JetStreamApiError) || err.status !== 404) throw new TranscriberError(options.rig, `cannot read consumer ${durable}`, { cause: err });
  }
  const config = {
    durable_name: durable,
    filter_subject: subjects.landmarksOfRig(options.rig),
    ack_policy: AckPolicy.All,
    ack_wait: 60_000_000_000,
    max_ack_pending: 10_000,
  };
  if (!info) {
    await jsm.consumers.add(streams.landmarks, { ...config, deliver_policy: options.deliver === 'all' ? DeliverPolicy.All : DeliverPolicy.New });
    return;
  }
  if (info.num_ack_pending === 0 || info.ack_floor.stream_seq === 0) return;
  const start = info.ack_floor.stream_seq + 1;
  logger.info({ durable, start, pending: info.num_ack_pending }, 'resuming an interrupted sign: consumer restarts at the first unacknowledged packet');
  await jsm.consumers.delete(streams.landmarks, durable);
  await jsm.consumers.add(streams.landmarks, { ...config, deliver_policy: DeliverPolicy.StartSequence, opt_start_seq: start });
}

/** The rig's last caption, to continue the final numbering after a restart. */
async function lastCaption(jsm: JetStreamManager, rig: string, logger: Logger): Promise<Caption | undefined> {
  try {
    const stored = await jsm.streams.getMessage(streams.captions, { last_by_subj: subjects.captions(rig) });
    if (!stored) return undefined;
    const parsed = captionSchema.safeParse(stored.json());
    return parsed.success ? parsed.data : undefined;
  } catch (err) {
    if (err instanceof JetStreamApiError && err.status === 404) return undefined;
    logger.warn({ err: describeError(err) }, 'could not read the last caption; numbering starts at 0');
    return undefined;
  }
}

class RigRun {
  private readonly segmenter: Segmenter<FrameItem>;
  private readonly lastCapture = new Map<string, bigint>();
  private nextIndex: number;
  private readonly lags: number[] = [];
  /** Trace context of the frames → caption spans; caption latency and consumer lag metrics. */
  private readonly telemetry = new TranscriberTelemetry();
  private readonly counters = { packets: 0, garbage: 0, outOfOrder: 0, partials: 0, finals: 0, dropped: 0, lagMs: 0, maxLagMs: 0 };

  constructor(
    private readonly options: TranscriberOptions,
    private readonly js: JetStreamClient,
    private model: Recognizer,
    private readonly resume: Caption | undefined,
    private readonly frames: RigFrames,
    private readonly logger: Logger,
    private readonly now: () => number,
  ) {
    this.segmenter = new Segmenter<FrameItem>(options.segmenter);
    this.nextIndex = resume ? (resume.kind === 'final' ? resume.index + 1 : resume.index) : 0;
  }

  setModel(next: Recognizer): void {
    const previous = this.model;
    this.model = next;
    if (previous !== next) previous.dispose();
    this.logger.info({ from: `${previous.name}@${previous.version}`, to: `${next.name}@${next.version}` }, 'model swapped');
  }

  stats(): TranscriberStats {
    return {
      rig: this.options.rig,
      ...this.counters,
      lagP95Ms: this.lags.length ? percentile(this.lags, 95) : 0,
      model: { name: this.model.name, version: this.model.version },
      camera: this.frames.referenceCamera,
      mode: this.frames.fusing ? 'fused' : 'single-view',
      fusedFrames: this.frames.counts.fused,
      singleViewFrames: this.frames.counts.singleView,
    };
  }

  dispose(): void {
    this.model.dispose();
  }

  async loop(messages: ConsumerMessages): Promise<void> {
    for await (const msg of messages) {
      try {
        await this.handle(msg);
      } catch (err) {
        // Publishing failed (NATS down, stream gone): leave the packet unacknowledged so it comes back.
        this.logger.error({ err: describeError(err), seq: msg.seq }, 'could not process a landmark packet; it will be redelivered');
        msg.nak(1000);
      }
    }
  }

  private async handle(msg: JsMsg): Promise<void> {
    const packet = this.parse(msg);
    if (packet && this.accept(packet)) {
      this.counters.packets++;
      this.telemetry.packet(msg, packet.captureTimeNs);
      for (const instant of this.frames.push(packet, msg.seq)) {
        const item: FrameItem = { frame: instant.frame, captureTimeNs: instant.captureTimeNs, streamSeq: instant.streamSeq, cameras: instant.cameras };
        const captureMs = Number(BigInt(instant.captureTimeNs) / 1_000_000n);
        const event = this.segmenter.push(item, instant.active, captureMs);
        if (event) this.logger.debug({ event: event.type, frames: event.frames.length, seq: msg.seq }, 'segment event');
        if (event?.type === 'partial') await this.publish('partial', event.frames);
        else if (event?.type === 'final') await this.publish('final', event.frames);
        else if (event?.type === 'dropped') this.counters.dropped++;
      }
      const lag = this.now() - Number(BigInt(packet.captureTimeNs) / 1_000_000n);
      this.counters.lagMs = lag;
      this.counters.maxLagMs = Math.max(this.counters.maxLagMs, lag);
      this.lags.push(lag);
      if (this.lags.length > 1000) this.lags.shift();
    }
    // Ack-all up to here only when no sign is open and no instant waits for its other views:
    // an open sign must be replayable after a restart.
    if (!this.segmenter.open && !this.frames.holding) msg.ack();
  }

  private parse(msg: JsMsg): LandmarkPacket | undefined {
    try {
      const packet = landmarkPacketSchema.parse(msg.json());
      if (packet.rig !== this.options.rig) throw new Error(`packet of rig ${packet.rig} on rig ${this.options.rig}'s subject`);
      return packet;
    } catch (err) {
      this.counters.garbage++;
      this.telemetry.garbage(this.options.rig);
      this.logger.debug({ subject: msg.subject, seq: msg.seq, err: describeError(err) }, 'garbage landmark packet skipped');
      return undefined;
    }
  }

  /** Keeps the recognised camera's packets in capture order. */
  private accept(packet: LandmarkPacket): boolean {
    const time = BigInt(packet.captureTimeNs);
    const last = this.lastCapture.get(packet.camera);
    if (last !== undefined && time <= last) {
      this.counters.outOfOrder++;
      return false;
    }
    this.lastCapture.set(packet.camera, time);
    return true;
  }

  private async publish(kind: 'partial' | 'final', frames: readonly FrameItem[]): Promise<void> {
    const first = frames[0];
    const last = frames[frames.length - 1];
    if (!first || !last) return;
    const segment = `${this.options.rig}-${first.streamSeq}`;
    const recognition = this.model.recognize(frames.map((f) => f.frame));
    // A final replayed after a restart keeps the number it had before.
    const index = this.resume?.segment === segment ? this.resume.index : this.nextIndex;
    const caption: Caption = {
      v: 1,
      rig: this.options.rig,
      kind,
      segment,
      index,
      label: recognition.label,
      confidence: recognition.confidence,
      alternatives: recognition.alternatives,
      startCaptureTimeNs: first.captureTimeNs,
      endCaptureTimeNs: last.captureTimeNs,
      frames: frames.length,
      cameras: [...new Set(frames.flatMap((f) => f.cameras))].sort(),
      model: { name: this.model.name, version: this.model.version },
      emittedAtMs: this.now(),
    };
    const msgID = kind === 'final' ? `final:${segment}` : `partial:${segment}:${frames.length}`;
    await this.telemetry.caption(caption, (headers) => this.js.publish(subjects.captions(this.options.rig), JSON.stringify(caption), { msgID, headers }));
    if (kind === 'final') {
      this.counters.finals++;
      if (index === this.nextIndex) this.nextIndex++;
    } else {
      this.counters.partials++;
    }
  }
}
