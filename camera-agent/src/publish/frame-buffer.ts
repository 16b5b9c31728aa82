import { mkdirSync, readdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

export interface QueuedFrame {
  seq: number;
  headers: Record<string, string>;
  data: Buffer;
}

export interface FrameBufferOptions {
  maxFrames: number;
  maxBytes: number;
  /** Spill what does not fit in memory to this folder, up to `diskMaxBytes`. */
  diskDir?: string | undefined;
  diskMaxBytes?: number;
}

export interface FrameBufferCounters {
  /** Frames thrown away (oldest first) because the buffer was full. */
  dropped: number;
  /** Frames written to disk because memory was full (or kept there at shutdown). */
  spilled: number;
  /** Frames found on disk at start, left by an earlier run (a crash or an outage at shutdown). */
  restored: number;
}

const FRAME_FILE = /^(\d{16})\.frame$/;

interface DiskEntry {
  seq: number;
  bytes: number;
}

/**
 * Frames waiting for JetStream's ack, oldest first, bounded: when memory is full the oldest
 * frame moves to disk (if configured), and when that is full too the oldest frame is dropped
 * and counted. Disk holds only frames older than those in memory, so order is kept. The frame
 * handed out for publishing (`peek`) is not dropped while others can go instead: its publish may
 * have reached JetStream with only the ack lost, so it stays to be resent (its msg id makes that
 * a no-op) and `dropped` counts only frames that were never sent.
 * The disk folder outlives the process: frames a crashed or stopped agent left there are sent
 * first by the next run (their msg ids make a frame that did reach JetStream a no-op).
 */
export class FrameBuffer {
  private readonly memory: QueuedFrame[] = [];
  private memoryBytes = 0;
  private readonly disk: DiskEntry[] = [];
  private diskBytes = 0;
  private waiter: (() => void) | undefined;
  /** The seq `peek` last handed out for publishing (see the class comment). */
  private publishing: number | undefined;
  readonly counters: FrameBufferCounters = { dropped: 0, spilled: 0, restored: 0 };

  constructor(private readonly options: FrameBufferOptions) {
    if (options.diskDir) {
      mkdirSync(options.diskDir, { recursive: true });
      this.restore(options.diskDir);
    }
  }

  /** Highest sequence number held (memory or disk), or -1 when empty. */
  get highestSeq(): number {
    return this.memory.at(-1)?.seq ?? this.disk.at(-1)?.seq ?? -1;
  }

  get length(): number {
    return this.memory.length + this.disk.length;
  }

  get bytes(): number {
    return this.memoryBytes + this.diskBytes;
  }

  push(frame: QueuedFrame): void {
    this.memory.push(frame);
    this.memoryBytes += frame.data.length;
    while (this.memory.length > 1 && (this.memory.length > this.options.maxFrames || this.memoryBytes > this.options.maxBytes)) {
      // Spilling keeps order only oldest first; dropping skips the frame being published.
      const at = this.options.diskDir ? 0 : this.victim(this.memory);
      const [oldest] = this.memory.splice(at, 1);
      if (!oldest) break;
      this.memoryBytes -= oldest.data.length;
      if (this.options.diskDir) this.spill(oldest);
      else this.counters.dropped++;
    }
    this.waiter?.();
  }

  /** The oldest frame, for publishing: left in place until `shift()` confirms it was sent. */
  peek(): QueuedFrame | undefined {
    for (let onDisk = this.disk[0]; onDisk; onDisk = this.disk[0]) {
      const frame = this.readDisk(onDisk);
      if (frame) {
        this.publishing = frame.seq;
        return frame;
      }
      // Unreadable (cut short by a crash mid-write, or removed by hand): count it and move on.
      this.shift();
      this.counters.dropped++;
    }
    this.publishing = this.memory[0]?.seq;
    return this.memory[0];
  }

  /** Which of `frames` (oldest first, at least 2) to drop for room: the oldest, unless it is being published and a third frame leaves the newest in place. */
  private victim(frames: readonly { seq: number }[]): number {
    return frames[0]?.seq === this.publishing && frames.length > 2 ? 1 : 0;
  }

  /**
   * Moves every frame still in memory to disk (at shutdown, when they could not be sent), so the
   * next start resends them; returns how many frames the disk now holds. No-op without a disk.
   */
  persist(): number {
    if (!this.options.diskDir) return 0;
    while (this.memory.length > 0) {
      const frame = this.memory.shift();
      if (!frame) break;
      this.memoryBytes -= frame.data.length;
      this.spill(frame);
    }
    return this.disk.length;
  }

  /**
   * Removes the oldest frame. With `seq`, only if that is still the oldest: a frame dropped for
   * room while its publish was in flight must not take the next, unsent frame with it.
   */
  shift(seq?: number): void {
    if (seq !== undefined && (this.disk[0]?.seq ?? this.memory[0]?.seq) !== seq) return;
    const onDisk = this.disk.shift();
    if (onDisk) {
      this.diskBytes -= onDisk.bytes;
      rmSync(this.diskPath(onDisk.seq), { force: true });
      return;
    }
    const frame = this.memory.shift();
    if (frame) this.memoryBytes -= frame.data.length;
  }

  /** Resolves when a frame is pushed (or at once if one is waiting), or `signal` aborts. */
  async waitForFrame(signal: AbortSignal): Promise<void> {
    if (this.length > 0 || signal.aborted) return;
    await new Promise<void>((resolve) => {
      const done = (): void => {
        this.waiter = undefined;
        signal.removeEventListener('abort', done);
        resolve();
      };
      this.waiter = done;
      signal.addEventListener('abort', done);
    });
  }

  private diskPath(seq: number): string {
    return join(this.options.diskDir ?? '.', `${String(seq).padStart(16, '0')}.frame`);
  }

  private spill(frame: QueuedFrame): void {
    const head = Buffer.from(JSON.stringify({ seq: frame.seq, headers: frame.headers }));
    const size = Buffer.alloc(4);
    size.writeUInt32BE(head.length);
    const record = Buffer.concat([size, head, frame.data]);
    // Written then renamed, so a crash never leaves a half frame under a frame file's name.
    const path = this.diskPath(frame.seq);
    writeFileSync(`${path}.partial`, record);
    renameSync(`${path}.partial`, path);
    this.disk.push({ seq: frame.seq, bytes: record.length });
    this.diskBytes += record.length;
    this.counters.spilled++;
    this.trimDisk();
  }

  private trimDisk(): void {
    while (this.disk.length > 1 && this.diskBytes > (this.options.diskMaxBytes ?? Infinity)) {
      const [oldest] = this.disk.splice(this.victim(this.disk), 1);
      if (!oldest) break;
      this.diskBytes -= oldest.bytes;
      rmSync(this.diskPath(oldest.seq), { force: true });
      this.counters.dropped++;
    }
  }

  /** Takes up the frames an earlier run left in `dir`, oldest (lowest seq) first. */
  private restore(dir: string): void {
    const found: DiskEntry[] = [];
    for (const name of readdirSync(dir)) {
      const match = FRAME_FILE.exec(name);
      if (!match) {
        if (name.endsWith('.frame.partial')) rmSync(join(dir, name), { force: true });
        continue;
      }
      found.push({ seq: Number(match[1]), bytes: statSync(join(dir, name)).size });
    }
    found.sort((a, b) => a.seq - b.seq);
    for (const entry of found) {
      this.disk.push(entry);
      this.diskBytes += entry.bytes;
    }
    this.counters.restored = found.length;
    this.trimDisk();
  }

  private readDisk(entry: DiskEntry): QueuedFrame | undefined {
    try {
      const record = readFileSync(this.diskPath(entry.seq));
      const headLength = record.readUInt32BE(0);
      const head = JSON.parse(record.subarray(4, 4 + headLength).toString('utf8')) as { seq: number; headers: Record<string, string> };
      if (head.seq !== entry.seq || typeof head.headers !== 'object') return undefined;
      return { seq: head.seq, headers: head.headers, data: record.subarray(4 + headLength) };
    } catch {
      return undefined;
    }
  }
}
