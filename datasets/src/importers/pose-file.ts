import { DatasetInputError } from '../errors.js';

/** A `.pose` file (sign-language-processing/pose), versions 0.0, 0.1 and 0.2. */
export interface PoseFile {
  version: number;
  width: number;
  height: number;
  depth: number;
  components: PoseComponent[];
  fps: number;
  frames: number;
  people: number;
  /** Coordinate dims per point (point format length − 1, e.g. XYZC → 3). */
  dims: number;
  /** float32 [frames][people][points][dims]. */
  data: Float32Array;
  /** float32 [frames][people][points]. */
  confidence: Float32Array;
}

export interface PoseComponent {
  name: string;
  /** e.g. `XYZC`: coordinates then C for confidence. */
  format: string;
  points: string[];
  limbs: [number, number][];
  colors: [number, number, number][];
}

/** Little-endian cursor that names the file and the field when the bytes run out. */
class Cursor {
  private at = 0;
  private readonly view: DataView;
  constructor(
    private readonly bytes: Uint8Array,
    private readonly file: string,
  ) {
    this.view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  }
  get offset(): number {
    return this.at;
  }
  get remaining(): number {
    return this.bytes.byteLength - this.at;
  }
  private need(n: number, what: string): void {
    if (this.at + n > this.bytes.byteLength) {
      throw new DatasetInputError(this.file, `truncated .pose file: ${what} needs ${n} bytes at offset ${this.at}, file has ${this.bytes.byteLength}`);
    }
  }
  u16(what: string): number {
    this.need(2, what);
    const v = this.view.getUint16(this.at, true);
    this.at += 2;
    return v;
  }
  i16(what: string): number {
    this.need(2, what);
    const v = this.view.getInt16(this.at, true);
    this.at += 2;
    return v;
  }
  u32(what: string): number {
    this.need(4, what);
    const v = this.view.getUint32(this.at, true);
    this.at += 4;
    return v;
  }
  f32(what: string): number {
    this.need(4, what);
    const v = this.view.getFloat32(this.at, true);
    this.at += 4;
    return v;
  }
  str(what: string): string {
    const n = this.u16(`${what} length`);
    this.need(n, what);
    const s = new TextDecoder('utf-8', { fatal: true }).decode(this.bytes.subarray(this.at, this.at + n));
    this.at += n;
    return s;
  }
  /** n float32 values, copied (the file's offsets need not be 4-aligned). */
  f32s(n: number, what: string): Float32Array {
    this.need(n * 4, what);
    const out = new Float32Array(n);
    for (let i = 0; i < n; i++) out[i] = this.view.getFloat32(this.at + i * 4, true);
    this.at += n * 4;
    return out;
  }
}

const KNOWN_VERSIONS = [0, 0.1, 0.2];

/** Parses a .pose file; a truncated or malformed file throws DatasetInputError naming it. */
export function parsePoseFile(bytes: Uint8Array, file: string): PoseFile {
  const c = new Cursor(bytes, file);
  const rawVersion = c.f32('version');
  const version = Math.round(rawVersion * 1000) / 1000;
  if (!KNOWN_VERSIONS.includes(version)) throw new DatasetInputError(file, `unsupported .pose version ${rawVersion} (expected 0.0, 0.1 or 0.2): is this a .pose file?`);
  const width = c.u16('width');
  const height = c.u16('height');
  const depth = c.u16('depth');
  const count = c.u16('component count');
  const components: PoseComponent[] = [];
  for (let i = 0; i < count; i++) {
    const name = c.str(`component ${i} name`);
    const format = c.str(`component ${name} point format`);
    if (!/^[A-Z]{2,4}C$/.test(format)) throw new DatasetInputError(file, `component ${name}: unexpected point format ${JSON.stringify(format)} (expected e.g. XYC or XYZC)`);
    const nPoints = c.u16(`component ${name} point count`);
    const nLimbs = c.u16(`component ${name} limb count`);
    const nColors = c.u16(`component ${name} colour count`);
    const points = Array.from({ length: nPoints }, (_, p) => c.str(`component ${name} point ${p} name`));
    const limbs = Array.from({ length: nLimbs }, (): [number, number] => [c.u16('limb'), c.u16('limb')]);
    const colors = Array.from({ length: nColors }, (): [number, number, number] => [c.u16('colour'), c.u16('colour'), c.u16('colour')]);
    components.push({ name, format, points, limbs, colors });
  }
  if (components.length === 0) throw new DatasetInputError(file, '.pose header has no components');
  const dims = Math.max(...components.map((k) => k.format.length)) - 1;
  const totalPoints = components.reduce((n, k) => n + k.points.length, 0);

  let fps: number;
  let frames: number;
  let people: number;
  let data: Float32Array;
  let confidence: Float32Array;
  if (version === 0) {
    fps = c.u16('fps');
    frames = c.u16('frame count');
    const perFrame: { data: Float32Array; conf: Float32Array }[][] = [];
    people = 0;
    for (let f = 0; f < frames; f++) {
      const n = c.u16(`frame ${f} person count`);
      people = Math.max(people, n);
      const persons: { data: Float32Array; conf: Float32Array }[] = [];
      for (let p = 0; p < n; p++) {
        c.i16(`frame ${f} person ${p} id`);
        const d = new Float32Array(totalPoints * dims);
        const conf = new Float32Array(totalPoints);
        let point = 0;
        for (const k of components) {
          const w = k.format.length;
          const values = c.f32s(k.points.length * w, `frame ${f} person ${p} ${k.name}`);
          for (let q = 0; q < k.points.length; q++, point++) {
            for (let dd = 0; dd < w - 1; dd++) d[point * dims + dd] = values[q * w + dd] ?? 0;
            conf[point] = values[q * w + w - 1] ?? 0;
          }
        }
        persons.push({ data: d, conf });
      }
      perFrame.push(persons);
    }
    data = new Float32Array(frames * people * totalPoints * dims);
    confidence = new Float32Array(frames * people * totalPoints);
    perFrame.forEach((persons, f) =>
      persons.forEach((p, i) => {
        data.set(p.data, (f * people + i) * totalPoints * dims);
        confidence.set(p.conf, (f * people + i) * totalPoints);
      }),
    );
  } else {
    fps = version === 0.1 ? c.u16('fps') : c.f32('fps');
    frames = version === 0.1 ? c.u16('frame count') : c.u32('frame count');
    people = c.u16('person count');
    data = c.f32s(frames * people * totalPoints * dims, 'landmark data');
    confidence = c.f32s(frames * people * totalPoints, 'confidence');
  }
  if (c.remaining !== 0) throw new DatasetInputError(file, `.pose body has ${c.remaining} unexpected bytes after the data (expected the file to end at ${c.offset})`);
  if (!(fps > 0)) throw new DatasetInputError(file, `.pose fps is ${fps}: expected a positive number`);
  return { version, width, height, depth, components, fps, frames, people, dims, data, confidence };
}
