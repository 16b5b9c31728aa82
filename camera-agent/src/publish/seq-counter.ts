import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';

const BLOCK = 100_000;

/**
 * Frame sequence numbers that never repeat for a camera, even across agent restarts, so a new
 * frame is never mistaken for a resend by JetStream's duplicate window. A block of numbers is
 * reserved in a small file before use (hi-lo), so the file is written once per BLOCK frames.
 */
export class SeqCounter {
  private next: number;
  private reservedUntil: number;

  constructor(private readonly file: string | undefined) {
    const start = file ? readHighWater(file) : 0;
    this.next = start;
    this.reservedUntil = start;
  }

  take(): number {
    if (this.next >= this.reservedUntil) {
      this.reservedUntil = this.next + BLOCK;
      if (this.file) {
        mkdirSync(dirname(this.file), { recursive: true });
        writeFileSync(this.file, `${this.reservedUntil}\n`);
      }
    }
    return this.next++;
  }

  /** Makes the next number at least `seq` (past frames an earlier run left in the disk buffer). */
  advanceTo(seq: number): void {
    if (seq > this.next) this.next = seq;
  }
}

function readHighWater(file: string): number {
  try {
    const value = Number(readFileSync(file, 'utf8').trim());
    return Number.isSafeInteger(value) && value >= 0 ? value : 0;
  } catch {
    return 0;
  }
}
