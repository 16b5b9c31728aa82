import type { JetStreamClient } from '@nats-io/jetstream';
import { subjects, describeError, type Logger } from '@signflow/core';
import { toLandmarkPacket, type LandmarkDetector } from '@signflow/landmarks';
import type { CaptureTime } from '../clock.js';

export interface EdgeLandmarkCounters {
  packets: number;
  /** Frames offered while the detector was still busy with the previous one. */
  skipped: number;
  bytes: number;
  failures: number;
}

/**
 * Runs the landmark detector on the agent (edge mode) and publishes each result as a landmark
 * packet on `subjects.landmarks(rig, camera)`. One frame at a time: frames that arrive while the
 * detector is busy are skipped (and counted), so detection never queues up behind the camera.
 */
export class EdgeLandmarks {
  readonly counters: EdgeLandmarkCounters = { packets: 0, skipped: 0, bytes: 0, failures: 0 };
  lastError: string | undefined;
  private busy: Promise<void> | undefined;
  private readonly encoder = new TextEncoder();

  constructor(
    private readonly rig: string,
    private readonly camera: string,
    private readonly detector: LandmarkDetector,
    private readonly js: JetStreamClient,
    private readonly logger: Logger,
  ) {}

  offer(rgb: Buffer, width: number, height: number, capture: CaptureTime, seq: number): void {
    if (this.busy) {
      this.counters.skipped++;
      return;
    }
    this.busy = this.process(rgb, width, height, capture, seq).finally(() => {
      this.busy = undefined;
    });
  }

  private async process(rgb: Buffer, width: number, height: number, capture: CaptureTime, seq: number): Promise<void> {
    try {
      const frame = await this.detector.detect({ data: rgb, width, height, channels: 3 }, Number(capture.monoNs / 1_000_000n));
      const packet = toLandmarkPacket(frame, { rig: this.rig, camera: this.camera, seq, captureTimeNs: capture.wallNs, detector: this.detector.description });
      const data = this.encoder.encode(JSON.stringify(packet));
      // The id names the picture by its capture time: `seq` is the latest JPEG's, and two RGB
      // frames can arrive (on their own pipe) before the next JPEG, which would make them twins.
      await this.js.publish(subjects.landmarks(this.rig, this.camera), data, { msgID: `${this.rig}.${this.camera}.edge.${capture.wallNs}`, timeout: 2000 });
      this.counters.packets++;
      this.counters.bytes += data.length;
    } catch (err) {
      this.counters.failures++;
      this.lastError = `camera ${this.camera}: landmark packet not published: ${describeError(err)}`;
      this.logger.debug({ camera: this.camera, err: this.lastError }, 'edge landmarks failed');
    }
  }

  /** Waits for the detection in flight, then frees the detector. */
  async close(): Promise<void> {
    await this.busy;
    await this.detector.close();
  }
}
