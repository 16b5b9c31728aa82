/**
 * Cuts a byte stream of concatenated JPEGs (ffmpeg's image2pipe / MJPEG) into whole images.
 *
 * It walks the marker segments after SOI by their lengths (so an EOI inside an EXIF thumbnail
 * does not end the frame) and scans the entropy-coded data for the real EOI, skipping stuffed
 * bytes (FF 00) and restart markers. Garbage between images is skipped and counted; an image
 * that grows past `maxFrameBytes` without an end is dropped and the splitter resynchronises.
 */
export interface JpegSplitterStats {
  frames: number;
  /** Bytes thrown away while looking for the next start of image. */
  skippedBytes: number;
  /** Images abandoned as malformed or too large. */
  dropped: number;
}

type State = 'seek' | 'header' | 'scan';

export class JpegSplitter {
  private buf: Buffer = Buffer.alloc(0);
  private pos = 0;
  private start = 0;
  private state: State = 'seek';
  readonly stats: JpegSplitterStats = { frames: 0, skippedBytes: 0, dropped: 0 };

  constructor(
    private readonly onFrame: (jpeg: Buffer) => void,
    private readonly maxFrameBytes = 8 * 1024 * 1024,
  ) {}

  push(chunk: Buffer): void {
    this.buf = this.buf.length === 0 ? chunk : Buffer.concat([this.buf, chunk]);
    this.run();
    this.compact();
  }

  private run(): void {
    for (;;) {
      const progressed = this.state === 'seek' ? this.seek() : this.state === 'header' ? this.header() : this.scan();
      const tooBig = this.state !== 'seek' && this.pos - this.start > this.maxFrameBytes;
      if (tooBig) this.resync();
      else if (!progressed) return;
    }
  }

  private seek(): boolean {
    let i = this.buf.indexOf(0xff, this.pos);
    while (i !== -1 && i + 1 < this.buf.length && this.buf[i + 1] !== 0xd8) i = this.buf.indexOf(0xff, i + 1);
    if (i === -1 || i + 1 >= this.buf.length) {
      const keep = i === -1 ? this.buf.length : i; // a trailing FF may start the next SOI
      this.stats.skippedBytes += keep - this.pos;
      this.pos = keep;
      return false;
    }
    this.stats.skippedBytes += i - this.pos;
    this.start = i;
    this.pos = i + 2;
    this.state = 'header';
    return true;
  }

  private header(): boolean {
    const b = this.buf;
    while (this.pos + 1 < b.length && b[this.pos] === 0xff && b[this.pos + 1] === 0xff) this.pos++; // fill bytes
    if (this.pos + 1 >= b.length) return false;
    if (b[this.pos] !== 0xff) return this.resync();
    const marker = b[this.pos + 1] ?? 0;
    if (marker === 0xd8 || marker === 0xd9 || marker === 0x00) return this.resync();
    if ((marker >= 0xd0 && marker <= 0xd7) || marker === 0x01) {
      this.pos += 2;
      return true;
    }
    if (this.pos + 3 >= b.length) return false;
    const length = b.readUInt16BE(this.pos + 2);
    if (length < 2) return this.resync();
    if (this.pos + 2 + length > b.length) {
      return this.pos + 2 + length - this.start > this.maxFrameBytes ? this.resync() : false;
    }
    this.pos += 2 + length;
    if (marker === 0xda) this.state = 'scan';
    return true;
  }

  private scan(): boolean {
    const b = this.buf;
    for (;;) {
      const i = b.indexOf(0xff, this.pos);
      if (i === -1 || i + 1 >= b.length) {
        this.pos = i === -1 ? b.length : i;
        return false;
      }
      const next = b[i + 1] ?? 0;
      if (next === 0x00 || (next >= 0xd0 && next <= 0xd7)) {
        this.pos = i + 2;
      } else if (next === 0xff) {
        this.pos = i + 1;
      } else if (next === 0xd9) {
        this.stats.frames++;
        this.onFrame(b.subarray(this.start, i + 2));
        this.pos = i + 2;
        this.start = this.pos;
        this.state = 'seek';
        return true;
      } else {
        // Another segment (progressive JPEGs have several scans): back to walking headers.
        this.pos = i;
        this.state = 'header';
        return true;
      }
    }
  }

  /** Abandons the current image and looks for the next SOI after its start. */
  private resync(): boolean {
    this.stats.dropped++;
    this.pos = this.start + 2;
    this.state = 'seek';
    return true;
  }

  private compact(): void {
    const from = this.state === 'seek' ? this.pos : this.start;
    if (from === 0) return;
    this.buf = this.buf.subarray(from);
    this.pos -= from;
    this.start = Math.max(0, this.start - from);
  }

  /** Bytes held for an image not yet complete. */
  get pendingBytes(): number {
    return this.buf.length;
  }
}
