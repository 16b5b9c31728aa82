import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
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
  /** Frames written to disk because memory was full. */
  spilled: number;
}

interface DiskEntry {
  seq: number;
  bytes: number;
}

/**
 * Frames waiting for JetStream's ack, oldest first, bounded: when memory is full the oldest
 * frame moves to disk (if configured), and when that is full too the oldest frame is dropped
 * and counted. Disk holds only frames older than those in memory, so order is kept.
 */
export class FrameBuffer {
  private readonly memory: QueuedFrame[] = [];
  private memoryBytes = 0;
  private readonly disk: DiskEntry[] = [];
  private diskBytes = 0;
  private waiter: (() => void) | undefined;
  readonly counters: FrameBufferCounters = { dropped: 0, spilled: 0 };

  constructor(private readonly options: FrameBufferOptions) {
    if (options.diskDir) {
      rmSync(options.diskDir, { recursive: true, force: true });
      mkdirSync(options.diskDir, { recursive: true });
    }
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
      const oldest = this.memory.shift();
      if (!oldest) break;
      this.memoryBytes -= oldest.data.length;
      if (this.options.diskDir) this.spill(oldest);
      else this.counters.dropped++;
    }
    this.waiter?.();
  }

  /** The oldest frame, left in place until `shift()` confirms it was sent. */
  peek(): QueuedFrame | undefined {
    const onDisk = this.disk[0];
    if (onDisk && this.options.diskDir) return this.readDisk(onDisk);
    return this.memory[0];
  }

  shift(): void {
    const onDisk = this.disk.shift();
    if (onDisk && this.options.diskDir) {
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
    writeFileSync(this.diskPath(frame.seq), record);
    this.disk.push({ seq: frame.seq, bytes: record.length });
    this.diskBytes += record.length;
    this.counters.spilled++;
    while (this.disk.length > 1 && this.diskBytes > (this.options.diskMaxBytes ?? Infinity)) {
      const oldest = this.disk.shift();
      if (!oldest) break;
      this.diskBytes -= oldest.bytes;
      rmSync(this.diskPath(oldest.seq), { force: true });
      this.counters.dropped++;
    }
  }

  private readDisk(entry: DiskEntry): QueuedFrame {
    const record = readFileSync(this.diskPath(entry.seq));
    const headLength = record.readUInt32BE(0);
    const head = JSON.parse(record.subarray(4, 4 + headLength).toString('utf8')) as { seq: number; headers: Record<string, string> };
    return { seq: head.seq, headers: head.headers, data: record.subarray(4 + headLength) };
  }
}
