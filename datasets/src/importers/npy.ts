import { DatasetInputError } from '../errors.js';

/** A NumPy array read from a .npy file (format 1.0, 2.0 or 3.0). */
export interface NpyArray {
  dtype: string;
  shape: number[];
  /** Values in C order, as float64 (every supported dtype converts exactly). */
  data: Float64Array;
}

const MAGIC = [0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59]; // \x93NUMPY

const DTYPES: Record<string, { size: number; read: (v: DataView, o: number, le: boolean) => number }> = {
  f8: { size: 8, read: (v, o, le) => v.getFloat64(o, le) },
  f4: { size: 4, read: (v, o, le) => v.getFloat32(o, le) },
  f2: { size: 2, read: (v, o, le) => float16(v.getUint16(o, le)) },
  i8: { size: 8, read: (v, o, le) => Number(v.getBigInt64(o, le)) },
  i4: { size: 4, read: (v, o, le) => v.getInt32(o, le) },
  i2: { size: 2, read: (v, o, le) => v.getInt16(o, le) },
  i1: { size: 1, read: (v, o) => v.getInt8(o) },
  u8: { size: 8, read: (v, o, le) => Number(v.getBigUint64(o, le)) },
  u4: { size: 4, read: (v, o, le) => v.getUint32(o, le) },
  u2: { size: 2, read: (v, o, le) => v.getUint16(o, le) },
  u1: { size: 1, read: (v, o) => v.getUint8(o) },
  b1: { size: 1, read: (v, o) => v.getUint8(o) },
};

/**
 * Parses a .npy file. Errors name the file and say what is wrong: not an npy file, an
 * unsupported dtype (object arrays, strings, structured), a malformed header, or a data part
 * shorter or longer than the shape says (a truncated file).
 */
export function parseNpy(bytes: Uint8Array, file: string): NpyArray {
  if (bytes.length < 10 || MAGIC.some((b, i) => bytes[i] !== b)) throw new DatasetInputError(file, 'not a NumPy .npy file (no \\x93NUMPY magic)');
  const major = bytes[6] ?? 0;
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  let headerLen: number;
  let headerStart: number;
  if (major === 1) {
    headerLen = view.getUint16(8, true);
    headerStart = 10;
  } else if (major === 2 || major === 3) {
    if (bytes.length < 12) throw new DatasetInputError(file, 'truncated .npy header');
    headerLen = view.getUint32(8, true);
    headerStart = 12;
  } else {
    throw new DatasetInputError(file, `unsupported .npy format version ${major}.${bytes[7] ?? 0} (expected 1.0, 2.0 or 3.0)`);
  }
  const dataStart = headerStart + headerLen;
  if (dataStart > bytes.length) throw new DatasetInputError(file, `truncated .npy header: needs ${dataStart} bytes, file has ${bytes.length}`);
  const header = new TextDecoder(major === 3 ? 'utf-8' : 'latin1').decode(bytes.subarray(headerStart, dataStart));
  const descr = /'descr'\s*:\s*'([^']*)'/.exec(header)?.[1];
  const fortran = /'fortran_order'\s*:\s*(True|False)/.exec(header)?.[1];
  const shapeText = /'shape'\s*:\s*\(([^)]*)\)/.exec(header)?.[1];
  if (descr === undefined || fortran === undefined || shapeText === undefined) {
    throw new DatasetInputError(file, `malformed .npy header ${JSON.stringify(header.trim())}: expected descr, fortran_order and shape`);
  }
  const shape = shapeText
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s !== '')
    .map((s) => Number(s.replace(/L$/, '')));
  if (shape.some((n) => !Number.isInteger(n) || n < 0)) throw new DatasetInputError(file, `malformed shape (${shapeText}) in .npy header`);
  const m = /^([<>|=])([a-zA-Z])(\d+)$/.exec(descr);
  const kind = m ? `${m[2]}${m[3]}` : '';
  const dtype = DTYPES[kind];
  if (!m || !dtype) throw new DatasetInputError(file, `unsupported dtype ${JSON.stringify(descr)}: expected a numeric dtype such as '<f8' or '<f4'`);
  const littleEndian = m[1] !== '>';
  const count = shape.reduce((a, b) => a * b, 1);
  const expected = count * dtype.size;
  const available = bytes.length - dataStart;
  if (available < expected) {
    throw new DatasetInputError(file, `truncated .npy data: shape (${shape.join(', ')}) of ${descr} needs ${expected} bytes, file has ${available}`);
  }
  if (available > expected) throw new DatasetInputError(file, `.npy data has ${available - expected} bytes more than shape (${shape.join(', ')}) of ${descr} holds`);
  const data = new Float64Array(count);
  for (let i = 0; i < count; i++) data[i] = dtype.read(view, dataStart + i * dtype.size, littleEndian);
  return { dtype: descr, shape, data: fortran === 'True' && shape.length > 1 ? fortranToC(data, shape) : data };
}

/** Writes a float64, float32 or int32 .npy (format 1.0): used by tests and `dataset export --format npy`. */
export function writeNpy(data: Float64Array | Float32Array | Int32Array, shape: number[]): Uint8Array {
  const descr = data instanceof Float64Array ? '<f8' : data instanceof Float32Array ? '<f4' : '<i4';
  const shapeText = shape.length === 1 ? `(${shape[0]},)` : `(${shape.join(', ')})`;
  let header = `{'descr': '${descr}', 'fortran_order': False, 'shape': ${shapeText}, }`;
  const total = 10 + header.length + 1;
  header += ' '.repeat((64 - (total % 64)) % 64) + '\n';
  const out = new Uint8Array(10 + header.length + data.byteLength);
  out.set(MAGIC, 0);
  out[6] = 1;
  out[7] = 0;
  new DataView(out.buffer).setUint16(8, header.length, true);
  out.set(new TextEncoder().encode(header), 10);
  const view = new DataView(out.buffer, 10 + header.length);
  if (data instanceof Float64Array) data.forEach((v, i) => view.setFloat64(i * 8, v, true));
  else if (data instanceof Float32Array) data.forEach((v, i) => view.setFloat32(i * 4, v, true));
  else data.forEach((v, i) => view.setInt32(i * 4, v, true));
  return out;
}

function fortranToC(data: Float64Array, shape: number[]): Float64Array {
  const out = new Float64Array(data.length);
  const n = shape.length;
  const idx = new Array<number>(n).fill(0);
  for (let c = 0; c < data.length; c++) {
    let f = 0;
    let stride = 1;
    for (let d = 0; d < n; d++) {
      f += (idx[d] ?? 0) * stride;
      stride *= shape[d] ?? 1;
    }
    out[c] = data[f] ?? 0;
    for (let d = n - 1; d >= 0; d--) {
      idx[d] = (idx[d] ?? 0) + 1;
      if ((idx[d] ?? 0) < (shape[d] ?? 0)) break;
      idx[d] = 0;
    }
  }
  return out;
}

function float16(h: number): number {
  const s = h & 0x8000 ? -1 : 1;
  const e = (h >> 10) & 0x1f;
  const f = h & 0x3ff;
  if (e === 0) return s * 2 ** -14 * (f / 1024);
  if (e === 31) return f ? Number.NaN : s * Number.POSITIVE_INFINITY;
  return s * 2 ** (e - 15) * (1 + f / 1024);
}
