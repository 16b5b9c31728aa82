import { writeFile, mkdir } from 'node:fs/promises';
import { dirname } from 'node:path';
import { parquetWriteBuffer } from 'hyparquet-writer';

const PARTS: [string, number][] = [
  ['face', 468],
  ['left_hand', 21],
  ['pose', 33],
  ['right_hand', 21],
];

export interface IslrFileOptions {
  frames: number;
  firstFrame?: number;
  /** Leave the left hand undetected (NaN), as in most real files. */
  noLeftHand?: boolean;
  /** Every landmark NaN. */
  allNaN?: boolean;
  /** Drop the last n rows (a frame with missing rows). */
  dropRows?: number;
  /** Use this landmark type name instead of `pose`. */
  poseTypeName?: string;
  /** Value offset so sequences differ. */
  seed?: number;
}

/** The value the helper writes for a landmark, so tests can check where it landed. */
export function islrValue(frame: number, part: number, index: number, axis: number, seed = 0): number {
  return seed * 0.01 + frame * 0.001 + part * 0.1 + index * 0.0001 + axis * 0.3;
}

/** Writes one sequence in the Kaggle ISLR layout (pandas-style columns, snappy). */
export function islrParquet(options: IslrFileOptions): Uint8Array {
  const frame: number[] = [];
  const rowId: string[] = [];
  const type: string[] = [];
  const landmarkIndex: number[] = [];
  const x: number[] = [];
  const y: number[] = [];
  const z: number[] = [];
  const first = options.firstFrame ?? 20;
  for (let f = 0; f < options.frames; f++) {
    PARTS.forEach(([name, count], part) => {
      for (let i = 0; i < count; i++) {
        const fr = first + f;
        const t = name === 'pose' && options.poseTypeName ? options.poseTypeName : name;
        frame.push(fr);
        rowId.push(`${fr}-${t}-${i}`);
        type.push(t);
        landmarkIndex.push(i);
        const missing = options.allNaN === true || (options.noLeftHand === true && name === 'left_hand');
        x.push(missing ? Number.NaN : islrValue(f, part, i, 0, options.seed));
        y.push(missing ? Number.NaN : islrValue(f, part, i, 1, options.seed));
        z.push(missing ? Number.NaN : islrValue(f, part, i, 2, options.seed));
      }
    });
  }
  const drop = options.dropRows ?? 0;
  const cut = <T>(a: T[]) => a.slice(0, a.length - drop);
  return new Uint8Array(
    parquetWriteBuffer({
      // one row group per file, as pandas/pyarrow write the competition files
      rowGroupSize: 1_000_000,
      columnData: [
        { name: 'frame', data: cut(frame), type: 'INT32' },
        { name: 'row_id', data: cut(rowId), type: 'STRING' },
        { name: 'type', data: cut(type), type: 'STRING' },
        { name: 'landmark_index', data: cut(landmarkIndex), type: 'INT32' },
        { name: 'x', data: cut(x), type: 'DOUBLE' },
        { name: 'y', data: cut(y), type: 'DOUBLE' },
        { name: 'z', data: cut(z), type: 'DOUBLE' },
      ],
    }),
  );
}

export async function writeIslr(path: string, options: IslrFileOptions): Promise<void> {
  await mkdir(dirname(path), { recursive: true });
  await writeFile(path, islrParquet(options));
}
