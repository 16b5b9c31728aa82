/** Collects a pipe's chunks into whole fixed-size raw frames (rawvideo output of ffmpeg). */
export class RawFrameAssembler {
  private parts: Buffer[] = [];
  private held = 0;

  constructor(
    readonly frameBytes: number,
    private readonly onFrame: (frame: Buffer) => void,
  ) {}

  push(chunk: Buffer): void {
    let rest = chunk;
    while (this.held + rest.length >= this.frameBytes) {
      const need = this.frameBytes - this.held;
      this.parts.push(rest.subarray(0, need));
      rest = rest.subarray(need);
      const frame = this.parts.length === 1 ? (this.parts[0] ?? Buffer.alloc(0)) : Buffer.concat(this.parts, this.frameBytes);
      this.parts = [];
      this.held = 0;
      this.onFrame(frame);
    }
    if (rest.length > 0) {
      this.parts.push(rest);
      this.held += rest.length;
    }
  }
}
