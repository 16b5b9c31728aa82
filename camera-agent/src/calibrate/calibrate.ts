import { spawnSync } from 'node:child_process';
import { CalibrationError } from '../errors.js';
import { parseInputSize } from '../source/ffmpeg-errors.js';
import { isSaddle, orderGrid, refineCorner, type GrayImage, type Point } from './corners.js';
import { loadOpenCv, type OpenCv } from './opencv.js';

export interface CheckerboardSpec {
  /** Inner corners along a row and down a column (a board of 8x6 squares has 7x5). */
  cols: number;
  rows: number;
  /** Side of one square, metres. */
  squareSize: number;
}

export interface CalibrationResult {
  imageSize: { width: number; height: number };
  intrinsics: { fx: number; fy: number; cx: number; cy: number; distortion: number[] };
  /** Pose of the board in the first capture: the rig frame is that board placement. */
  extrinsics: { rotation: [number, number, number]; translation: [number, number, number] };
  /** RMS re-projection error, pixels. */
  rms: number;
  usedImages: string[];
  rejectedImages: { file: string; reason: string }[];
}

/** Any image ffmpeg reads (PNG, JPEG, PGM, a video's first frame) → 8-bit gray. */
export function readGrayImage(ffmpegPath: string, file: string): GrayImage {
  const result = spawnSync(ffmpegPath, ['-hide_banner', '-nostdin', '-i', file, '-frames:v', '1', '-f', 'rawvideo', '-pix_fmt', 'gray', 'pipe:1'], { maxBuffer: 256 * 1024 * 1024 });
  const stderr = result.stderr.toString();
  const size = parseInputSize(stderr);
  if (result.status !== 0 || !size || result.stdout.length !== size.width * size.height) {
    throw new CalibrationError(`cannot read ${file} as an image: ${stderr.split('\n').filter(Boolean).at(-1) ?? 'ffmpeg failed'}`);
  }
  return { width: size.width, height: size.height, pixels: new Uint8Array(result.stdout) };
}

function medianNearestNeighbour(points: readonly Point[]): number {
  const distances = points.map((p) => Math.min(...points.filter((q) => q !== p).map((q) => Math.hypot(p.x - q.x, p.y - q.y))));
  distances.sort((a, b) => a - b);
  return distances[Math.floor(distances.length / 2)] ?? 10;
}

/** Inner corners of the board in one image, in grid order; throws naming why when not found. */
export function findCheckerboardCorners(cv: OpenCv, img: GrayImage, board: CheckerboardSpec): Point[] {
  const mat = cv.matFromArray(img.height, img.width, cv.CV_8UC1, img.pixels);
  const found = new cv.Mat();
  try {
    cv.goodFeaturesToTrack(mat, found, board.cols * board.rows * 4, 0.02, 5);
    const candidates: Point[] = [];
    for (let i = 0; i < found.rows; i++) candidates.push({ x: found.data32F[2 * i] ?? 0, y: found.data32F[2 * i + 1] ?? 0 });
    if (candidates.length < board.cols * board.rows) throw new CalibrationError(`only ${candidates.length} corner candidates, fewer than the ${board.cols}x${board.rows} the board has`);
    const spacing = medianNearestNeighbour(candidates);
    const radius = Math.min(12, Math.max(3, spacing * 0.3));
    const saddles = candidates.filter((p) => isSaddle(img, p, radius)).map((p) => refineCorner(img, p, Math.max(2, Math.round(radius))));
    const unique: Point[] = [];
    for (const p of saddles) if (!unique.some((q) => Math.hypot(p.x - q.x, p.y - q.y) < spacing / 3)) unique.push(p);
    if (unique.length !== board.cols * board.rows) {
      throw new CalibrationError(`found ${unique.length} checkerboard corners, expected ${board.cols}x${board.rows} = ${board.cols * board.rows} (is the whole board in view, sharp and well lit?)`);
    }
    const ordered = orderGrid(unique, board.cols, board.rows);
    if (!ordered) throw new CalibrationError(`the corners found do not form a ${board.cols}x${board.rows} grid`);
    return ordered;
  } finally {
    mat.delete();
    found.delete();
  }
}

/** Zhang's calibration (OpenCV calibrateCameraExtended) from checkerboard captures of one camera. */
export async function calibrateFromImages(ffmpegPath: string, files: readonly string[], board: CheckerboardSpec): Promise<CalibrationResult> {
  const { cv } = await loadOpenCv();
  const objectPoints = new cv.MatVector();
  const imagePoints = new cv.MatVector();
  const used: string[] = [];
  const rejected: { file: string; reason: string }[] = [];
  let size: { width: number; height: number } | undefined;
  const grid: number[] = [];
  for (let y = 0; y < board.rows; y++) for (let x = 0; x < board.cols; x++) grid.push(x * board.squareSize, y * board.squareSize, 0);
  const cameraMatrix = new cv.Mat();
  const distCoeffs = new cv.Mat();
  const rvecs = new cv.MatVector();
  const tvecs = new cv.MatVector();
  const stdIntrinsics = new cv.Mat();
  const stdExtrinsics = new cv.Mat();
  const perViewErrors = new cv.Mat();
  try {
    for (const file of files) {
      try {
        const img = readGrayImage(ffmpegPath, file);
        if (size && (size.width !== img.width || size.height !== img.height)) throw new CalibrationError(`is ${img.width}x${img.height}, the others are ${size.width}x${size.height}`);
        size = { width: img.width, height: img.height };
        const corners = findCheckerboardCorners(cv, img, board);
        imagePoints.push_back(cv.matFromArray(corners.length, 1, cv.CV_32FC2, corners.flatMap((p) => [p.x, p.y])));
        objectPoints.push_back(cv.matFromArray(corners.length, 1, cv.CV_32FC3, grid));
        used.push(file);
      } catch (err) {
        rejected.push({ file, reason: err instanceof Error ? err.message : String(err) });
      }
    }
    if (!size || used.length < 3) {
      const why = rejected.map((r) => `${r.file}: ${r.reason}`).join('; ');
      throw new CalibrationError(`need the board found in at least 3 captures, found it in ${used.length}${why ? ` (${why})` : ''}`);
    }
    const criteria = new cv.TermCriteria(cv.TERM_CRITERIA_COUNT + cv.TERM_CRITERIA_EPS, 100, 1e-9);
    const rms = cv.calibrateCameraExtended(objectPoints, imagePoints, new cv.Size(size.width, size.height), cameraMatrix, distCoeffs, rvecs, tvecs, stdIntrinsics, stdExtrinsics, perViewErrors, 0, criteria);
    const k = cameraMatrix.data64F;
    const r0 = rvecs.get(0).data64F;
    const t0 = tvecs.get(0).data64F;
    return {
      imageSize: size,
      intrinsics: { fx: k[0] ?? 0, fy: k[4] ?? 0, cx: k[2] ?? 0, cy: k[5] ?? 0, distortion: [...distCoeffs.data64F] },
      extrinsics: { rotation: [r0[0] ?? 0, r0[1] ?? 0, r0[2] ?? 0], translation: [t0[0] ?? 0, t0[1] ?? 0, t0[2] ?? 0] },
      rms,
      usedImages: used,
      rejectedImages: rejected,
    };
  } finally {
    for (const v of [objectPoints, imagePoints, rvecs, tvecs]) {
      for (let i = 0; i < v.size(); i++) v.get(i).delete();
      v.delete();
    }
    for (const m of [cameraMatrix, distCoeffs, stdIntrinsics, stdExtrinsics, perViewErrors]) m.delete();
  }
}
