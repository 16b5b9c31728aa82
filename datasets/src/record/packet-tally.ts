import type { Msg } from '@nats-io/transport-node';
import { landmarkPacketSchema, type LandmarkPacket } from '@signflow/core';

/**
 * Counts a recording's landmark messages as they arrive: every message received, the garbage
 * ones (not JSON or not a landmark packet) with the subjects of the first few, listed later as
 * skipped items of the dataset version. Shared by the label-file and the keystroke recorders.
 */
export class PacketTally {
  received = 0;
  invalid = 0;
  readonly invalidItems: string[] = [];

  /** The message's packet, or undefined (counted) when it is not one. */
  parse(msg: Msg): LandmarkPacket | undefined {
    this.received++;
    let parsed;
    try {
      parsed = landmarkPacketSchema.safeParse(msg.json());
    } catch {
      parsed = undefined;
    }
    if (parsed?.success) return parsed.data;
    this.invalid++;
    if (this.invalidItems.length < 20) this.invalidItems.push(msg.subject);
    return undefined;
  }
}
