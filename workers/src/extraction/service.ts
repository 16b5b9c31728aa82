import type { NatsConnection } from '@nats-io/nats-core';
import { AckPolicy, DeliverPolicy, JetStreamApiError, jetstream, jetstreamManager, type ConsumerMessages, type JsMsg } from '@nats-io/jetstream';
import jpeg from 'jpeg-js';
import { z } from 'zod';
import { createLogger, describeError, injectTraceContext, parseWith, readFrameHeaders, streams, subjects, subjectToken, tracerFor, withConsumeSpan, type Logger } from '@signflow/core';
import { toLandmarkPacket, type LandmarkDetector } from '@signflow/landmarks';
import { ensureStream, liveStreamConfigs } from '../transcriber/streams.js';
import { ExtractionError } from './errors.js';
import { observeFrame } from './metrics.js';

export const extractionOptionsSchema = z
  .object({
    rig: subjectToken,
    /** Durable consumer shared by every worker of this rig (the consumer group). */
    group: subjectToken.optional(),
    /** Frames older than this when their turn comes are skipped (acknowledged unprocessed) to catch up. */
    maxLagMs: z.number().int().positive().max(60_000).default(1000),
    /** Largest JPEG dimension accepted (pixels). */
    maxDimension: z.number().int().positive().max(8192).default(4096),
  })
  .strict();
export type ExtractionOptionsInput = z.input<typeof extractionOptionsSchema>;

export interface ExtractionStats {
  frames: number;
  packets: number;
  /** Frames whose headers or JPEG could not be read: counted and acknowledged. */
  garbage: number;
  /** Frames skipped because they were older than maxLagMs when reached. */
  skippedLate: number;
  /** Detector failures (frame acknowledged, no packet). */
  failed: number;
}

export interface ExtractionWorker extends AsyncDisposable {
  stats(): ExtractionStats;
  stop(): Promise<void>;
  readonly done: Promise<void>;
}

export interface ExtractionDeps {
  nc: NatsConnection;
  /** Creates one detector per camera (each keeps its own tracking state). */
  createDetector: (camera: string) => Promise<LandmarkDetector>;
  logger?: Logger;
  now?: () => number;
}

/**
 * One worker of the extraction service for a rig: turns the rig's JPEG frames
 * (`subjects.frames(rig, camera)`) into landmark packets on `subjects.landmarks(rig, camera)`.
 * Workers of the same rig share one durable pull consumer (a JetStream consumer group): any
 * number can run, a frame goes to one of them, and a worker that dies leaves its frame to be
 * redelivered to another. `max_ack_pending: 1` keeps each rig's frames in capture order, which
 * the detectors' tracking and the transcriber need; rigs (and their consumers) run in parallel.
 */
export async function startExtraction(deps: ExtractionDeps, input: ExtractionOptionsInput): Promise<ExtractionWorker> {
  const options = parseWith(extractionOptionsSchema, input, 'extraction options');
  const logger = (deps.logger ?? createLogger('extraction')).child({ rig: options.rig });
  const now = deps.now ?? Date.now;
  const jsm = await jetstreamManager(deps.nc);
  await ensureStream(jsm, liveStreamConfigs.frames);
  await ensureStream(jsm, liveStreamConfigs.landmarks);
  const group = options.group ?? `extract-${options.rig}`;
  try {
    await jsm.consumers.info(streams.frames, group);
  } catch (err) {
    if (!(err instanceof JetStreamApiError) || err.status !== 404) throw new ExtractionError(options.rig, `cannot read consumer ${group}`, { cause: err });
    try {
      await jsm.consumers.add(streams.frames, {
        durable_name: group,
        filter_subject: subjects.framesOfRig(options.rig),
        ack_policy: AckPolicy.Explicit,
        deliver_policy: DeliverPolicy.New,
        ack_wait: 30_000_000_000,
        max_ack_pending: 1,
      });
    } catch (addErr) {
      // Another worker of the group created it first.
      if (!(addErr instanceof JetStreamApiError)) throw addErr;
    }
  }
  const js = jetstream(deps.nc);
  const consumer = await js.consumers.get(streams.frames, group);
  const messages: ConsumerMessages = await consumer.consume({ max_messages: 1 });
  const detectors = new Map<string, Promise<LandmarkDetector>>();
  const stats: ExtractionStats = { frames: 0, packets: 0, garbage: 0, skippedLate: 0, failed: 0 };

  const handle = async (msg: JsMsg): Promise<void> => {
    stats.frames++;
    let frame;
    let image;
    try {
      frame = readFrameHeaders(msg.headers);
      if (frame.rig !== options.rig) throw new Error(`frame of rig ${frame.rig} on rig ${options.rig}'s subject`);
      if (now() - Number(frame.captureWallNs / 1_000_000n) > options.maxLagMs) {
        stats.skippedLate++;
        msg.ack();
        return;
      }
      image = jpeg.decode(msg.data, { useTArray: true, formatAsRGBA: false, maxResolutionInMP: (options.maxDimension * options.maxDimension) / 1e6 });
    } catch (err) {
      stats.garbage++;
      logger.debug({ seq: msg.seq, err: describeError(err) }, 'unreadable frame skipped');
      msg.ack();
      return;
    }
    let detector = detectors.get(frame.camera);
    if (!detector) {
      detector = deps.createDetector(frame.camera);
      detectors.set(frame.camera, detector);
    }
    try {
      const d = await detector;
      const result = await d.detect({ data: image.data, width: image.width, height: image.height, channels: 3 }, Number(frame.captureMonoNs / 1_000_000n));
      const packet = toLandmarkPacket(result, { rig: frame.rig, camera: frame.camera, seq: frame.seq, captureTimeNs: frame.captureWallNs, detector: d.description });
      await js.publish(subjects.landmarks(frame.rig, frame.camera), JSON.stringify(packet), { msgID: `${frame.rig}.${frame.camera}.${frame.seq}.lm`, headers: injectTraceContext() });
      stats.packets++;
    } catch (err) {
      stats.failed++;
      logger.warn({ camera: frame.camera, seq: frame.seq, err: describeError(err) }, 'landmark extraction failed for a frame');
    }
    msg.ack();
  };

  const done = (async () => {
    // trace: the frame's context (camera agent) → this consumer span → the landmark packet's headers
    for await (const msg of messages) await withConsumeSpan(tracerFor('signflow-extraction'), msg, () => observeFrame(options.rig, msg, stats, () => handle(msg)));
  })();
  let stopped: Promise<void> | undefined;
  const stop = (): Promise<void> => {
    stopped ??= (async () => {
      await messages.close();
      await done.catch(() => undefined);
      for (const detector of detectors.values()) await (await detector.catch(() => undefined))?.close();
    })();
    return stopped;
  };
  logger.info({ group }, 'extraction worker started');
  return { stats: () => ({ ...stats }), stop, done, [Symbol.asyncDispose]: stop };
}
