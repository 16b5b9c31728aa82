import { FusionError } from '../errors.js';
import { normalizedRay, project, type CameraModel } from './camera.js';
import { matVec, smallestEigenvector4, solve3, transpose, type Mat3, type Vec3 } from './linalg.js';

/** One camera's sighting of a landmark: pixel (distorted, as detected) and a confidence weight. */
export interface Observation {
  camera: CameraModel;
  u: number;
  v: number;
  /** Detector confidence in [0, 1]; weights the DLT rows. */
  weight: number;
}

export interface TriangulateOptions {
  /** Observations under this weight are ignored (default 0.1). */
  minWeight?: number;
  /** A view whose reprojection error exceeds this many pixels is dropped as an outlier (default 12). */
  maxReprojectionPx?: number;
  /** Gauss–Newton refinement rounds on the weighted reprojection error (default 5). */
  refine?: number;
}

export interface TriangulatedPoint {
  X: Vec3;
  /** Cameras kept after outlier rejection. */
  views: string[];
  /** Cameras dropped as outliers. */
  rejected: string[];
  /** Reprojection error in pixels of each kept view, same order as `views`. */
  errors: number[];
  /** Mean weight of the kept views. */
  confidence: number;
}

/**
 * Weighted DLT in normalised camera coordinates (undistorted rays, so pixel scale does not
 * condition the system), refined by Gauss–Newton on the pixel reprojection error. Views whose
 * error is above `maxReprojectionPx` are dropped worst-first while more than two remain.
 * Returns undefined with fewer than two usable views, or when the kept views still disagree.
 */
export function triangulate(observations: readonly Observation[], options: TriangulateOptions = {}): TriangulatedPoint | undefined {
  const minWeight = options.minWeight ?? 0.1;
  const maxErr = options.maxReprojectionPx ?? 12;
  let views = observations.filter((o) => o.weight >= minWeight && Number.isFinite(o.u) && Number.isFinite(o.v));
  const rejected: string[] = [];
  for (;;) {
    if (views.length < 2) return undefined;
    let X = dlt(views);
    if (!X) return undefined;
    X = refine(X, views, options.refine ?? 5);
    const errors = views.map((o) => reprojectionError(o, X));
    const worst = errors.reduce((w, e, i) => (e > (errors[w] ?? 0) ? i : w), 0);
    if ((errors[worst] ?? 0) <= maxErr) {
      return { X, views: views.map((o) => o.camera.id), rejected, errors, confidence: views.reduce((s, o) => s + o.weight, 0) / views.length };
    }
    if (views.length <= 2) return undefined;
    rejected.push(views[worst]?.camera.id ?? '');
    views = views.filter((_, i) => i !== worst);
  }
}

export function reprojectionError(o: Observation, X: Vec3): number {
  const p = project(o.camera, X);
  return p ? Math.hypot(p[0] - o.u, p[1] - o.v) : Number.POSITIVE_INFINITY;
}

function dlt(views: readonly Observation[]): Vec3 | undefined {
  const ata = new Array<number>(16).fill(0);
  for (const o of views) {
    const [x, y] = normalizedRay(o.camera, o.u, o.v);
    const R = o.camera.R;
    const t = o.camera.t;
    const P = [
      [R[0], R[1], R[2], t[0]],
      [R[3], R[4], R[5], t[1]],
      [R[6], R[7], R[8], t[2]],
    ] as const;
    const rows = [P[2].map((v, i) => x * v - (P[0][i] ?? 0)), P[2].map((v, i) => y * v - (P[1][i] ?? 0))];
    for (const row of rows) {
      const n = Math.hypot(...row) || 1;
      const w = o.weight / n;
      for (let i = 0; i < 4; i++) for (let j = 0; j < 4; j++) ata[i * 4 + j] = (ata[i * 4 + j] ?? 0) + w * w * (row[i] ?? 0) * (row[j] ?? 0);
    }
  }
  const h = smallestEigenvector4(ata);
  const wh = h[3] ?? 0;
  if (Math.abs(wh) < 1e-12) return undefined;
  return [(h[0] ?? 0) / wh, (h[1] ?? 0) / wh, (h[2] ?? 0) / wh];
}

/** Gauss–Newton on Σ w² |project(X) − (u, v)|², with a numeric Jacobian. */
function refine(start: Vec3, views: readonly Observation[], rounds: number): Vec3 {
  let X = start;
  for (let r = 0; r < rounds; r++) {
    const JtJ = new Array<number>(9).fill(0);
    const Jtr = [0, 0, 0];
    for (const o of views) {
      const p = project(o.camera, X);
      if (!p) return X;
      const res = [p[0] - o.u, p[1] - o.v];
      const J: number[][] = [[], []];
      for (let k = 0; k < 3; k++) {
        const h = 1e-6 * Math.max(1, Math.abs(X[k] ?? 0));
        const Xh: Vec3 = [...X];
        Xh[k] = (Xh[k] ?? 0) + h;
        const ph = project(o.camera, Xh);
        if (!ph) return X;
        J[0]?.push((ph[0] - p[0]) / h);
        J[1]?.push((ph[1] - p[1]) / h);
      }
      const w2 = o.weight * o.weight;
      for (let i = 0; i < 2; i++) {
        for (let a = 0; a < 3; a++) {
          Jtr[a] = (Jtr[a] ?? 0) + w2 * (J[i]?.[a] ?? 0) * (res[i] ?? 0);
          for (let b = 0; b < 3; b++) JtJ[a * 3 + b] = (JtJ[a * 3 + b] ?? 0) + w2 * (J[i]?.[a] ?? 0) * (J[i]?.[b] ?? 0);
        }
      }
    }
    const step = solve3(JtJ as Mat3, Jtr as Vec3);
    if (!step) return X;
    X = [X[0] - step[0], X[1] - step[1], X[2] - step[2]];
    if (Math.hypot(...step) < 1e-12) break;
  }
  return X;
}

/** Camera centre in the rig frame (−Rᵀt), for tests and diagnostics. */
export function cameraCentre(camera: CameraModel): Vec3 {
  return matVec(transpose(camera.R), [-camera.t[0], -camera.t[1], -camera.t[2]]);
}

export function assertTwoViews(n: number): void {
  if (n < 2) throw new FusionError(`triangulation needs at least two calibrated cameras, the rig has ${n}`);
}
