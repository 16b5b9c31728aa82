import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname } from 'node:path';
import { runInThisContext } from 'node:vm';

/** The parts of opencv.js the calibration uses (its bundled typings are loose). */
export interface Mat {
  rows: number;
  cols: number;
  data32F: Float32Array;
  data64F: Float64Array;
  delete(): void;
}
export interface MatVector {
  push_back(m: Mat): void;
  size(): number;
  get(i: number): Mat;
  delete(): void;
}
export interface OpenCv {
  Mat: { new (): Mat; new (rows: number, cols: number, type: number): Mat };
  MatVector: new () => MatVector;
  Size: new (w: number, h: number) => unknown;
  TermCriteria: new (type: number, maxCount: number, epsilon: number) => unknown;
  matFromArray(rows: number, cols: number, type: number, data: ArrayLike<number>): Mat;
  goodFeaturesToTrack(src: Mat, corners: Mat, maxCorners: number, quality: number, minDistance: number): void;
  calibrateCameraExtended(...args: unknown[]): number;
  CV_8UC1: number;
  CV_32FC2: number;
  CV_32FC3: number;
  CV_64F: number;
  TERM_CRITERIA_COUNT: number;
  TERM_CRITERIA_EPS: number;
  onRuntimeInitialized?: () => void;
}

let loading: Promise<{ cv: OpenCv }> | undefined;

/**
 * Loads OpenCV's WebAssembly build once (about half a second). The module is returned boxed:
 * it is a thenable resolving to itself, so a promise resolved with it would never settle.
 */
export function loadOpenCv(): Promise<{ cv: OpenCv }> {
  loading ??= (async () => {
    // opencv.js is one 13 MB script: evaluated as CommonJS directly, because a module loader
    // hook (tsx in tests and the CLI) would try to transpile it and take minutes.
    const file = createRequire(import.meta.url).resolve('@techstark/opencv-js');
    const wrapper = runInThisContext(`(function (exports, require, module, __filename, __dirname) {${readFileSync(file, 'utf8')}\n})`, { filename: file }) as (...args: unknown[]) => void;
    const module = { exports: {} as unknown };
    wrapper(module.exports, createRequire(file), module, file, dirname(file));
    // Not awaited: the Emscripten module is a thenable that resolves to itself.
    const cv = module.exports as OpenCv;
    if (typeof cv.MatVector !== 'function') {
      await new Promise<void>((resolve) => {
        cv.onRuntimeInitialized = resolve;
      });
    }
    return { cv };
  })();
  return loading;
}
