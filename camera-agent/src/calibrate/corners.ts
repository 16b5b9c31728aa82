/**
 * Checkerboard inner-corner detection in pure TypeScript (opencv.js ships no
 * findChessboardCorners): candidates from Shi–Tomasi (opencv.js goodFeaturesToTrack, passed in),
 * kept only when the ring of pixels around them alternates dark/light four times (an X-junction,
 * not a board edge or an L-corner), refined to sub-pixel accuracy, and ordered into the grid with
 * a homography from the four outermost corners.
 */
export interface GrayImage {
  width: number;
  height: number;
  pixels: Uint8Array;
}

export interface Point {
  x: number;
  y: number;
}

function at(img: GrayImage, x: number, y: number): number {
  const xi = Math.min(img.width - 2, Math.max(0, Math.floor(x)));
  const yi = Math.min(img.height - 2, Math.max(0, Math.floor(y)));
  const fx = Math.min(1, Math.max(0, x - xi));
  const fy = Math.min(1, Math.max(0, y - yi));
  const p = img.pixels;
  const w = img.width;
  const a = p[yi * w + xi] ?? 0;
  const b = p[yi * w + xi + 1] ?? 0;
  const c = p[(yi + 1) * w + xi] ?? 0;
  const d = p[(yi + 1) * w + xi + 1] ?? 0;
  return a * (1 - fx) * (1 - fy) + b * fx * (1 - fy) + c * (1 - fx) * fy + d * fx * fy;
}

/** True when a ring of `radius` around `p` has four dark/light transitions (an X-junction). */
export function isSaddle(img: GrayImage, p: Point, radius: number): boolean {
  const samples: number[] = [];
  const n = 48;
  for (let i = 0; i < n; i++) {
    const angle = (2 * Math.PI * i) / n;
    samples.push(at(img, p.x + radius * Math.cos(angle), p.y + radius * Math.sin(angle)));
  }
  const min = Math.min(...samples);
  const max = Math.max(...samples);
  if (max - min < 40) return false;
  const mid = (min + max) / 2;
  const bits = samples.map((s) => s > mid);
  let transitions = 0;
  for (let i = 0; i < n; i++) if (bits[i] !== bits[(i + 1) % n]) transitions++;
  return transitions === 4;
}

/**
 * Sub-pixel corner position (the method of OpenCV's cornerSubPix): the corner is where every
 * image gradient in the window is orthogonal to the vector from the corner to that pixel.
 */
export function refineCorner(img: GrayImage, start: Point, half = 4, iterations = 20): Point {
  let p = start;
  for (let it = 0; it < iterations; it++) {
    let a = 0;
    let b = 0;
    let c = 0;
    let bx = 0;
    let by = 0;
    for (let dy = -half; dy <= half; dy++) {
      for (let dx = -half; dx <= half; dx++) {
        const x = p.x + dx;
        const y = p.y + dy;
        const gx = (at(img, x + 1, y) - at(img, x - 1, y)) / 2;
        const gy = (at(img, x, y + 1) - at(img, x, y - 1)) / 2;
        const weight = Math.exp(-(dx * dx + dy * dy) / (half * half));
        const gxx = gx * gx * weight;
        const gxy = gx * gy * weight;
        const gyy = gy * gy * weight;
        a += gxx;
        b += gxy;
        c += gyy;
        bx += gxx * x + gxy * y;
        by += gxy * x + gyy * y;
      }
    }
    const det = a * c - b * b;
    if (Math.abs(det) < 1e-9) return p;
    const next = { x: (c * bx - b * by) / det, y: (a * by - b * bx) / det };
    const moved = Math.hypot(next.x - p.x, next.y - p.y);
    if (moved > half) return start; // ran off: keep the pixel estimate
    p = next;
    if (moved < 0.01) break;
  }
  return p;
}

/** 3x3 homography (row-major) mapping src[i] → dst[i] for 4 point pairs (DLT, exact). */
export function homography4(src: readonly Point[], dst: readonly Point[]): number[] {
  const rows: number[][] = [];
  for (let i = 0; i < 4; i++) {
    const s = src[i] ?? { x: 0, y: 0 };
    const d = dst[i] ?? { x: 0, y: 0 };
    rows.push([s.x, s.y, 1, 0, 0, 0, -d.x * s.x, -d.x * s.y, d.x]);
    rows.push([0, 0, 0, s.x, s.y, 1, -d.y * s.x, -d.y * s.y, d.y]);
  }
  // Gaussian elimination on the 8x9 augmented system (h33 = 1).
  for (let col = 0; col < 8; col++) {
    let pivot = col;
    for (let r = col + 1; r < 8; r++) if (Math.abs(rows[r]?.[col] ?? 0) > Math.abs(rows[pivot]?.[col] ?? 0)) pivot = r;
    const tmp = rows[col] ?? [];
    rows[col] = rows[pivot] ?? [];
    rows[pivot] = tmp;
    const pr = rows[col] ?? [];
    const pv = pr[col] ?? 1;
    for (let k = col; k < 9; k++) pr[k] = (pr[k] ?? 0) / pv;
    for (let r = 0; r < 8; r++) {
      if (r === col) continue;
      const row = rows[r] ?? [];
      const f = row[col] ?? 0;
      for (let k = col; k < 9; k++) row[k] = (row[k] ?? 0) - f * (pr[k] ?? 0);
    }
  }
  return [...rows.map((r) => r[8] ?? 0), 1];
}

export function applyHomography(h: readonly number[], p: Point): Point {
  const w = (h[6] ?? 0) * p.x + (h[7] ?? 0) * p.y + (h[8] ?? 1);
  return { x: ((h[0] ?? 0) * p.x + (h[1] ?? 0) * p.y + (h[2] ?? 0)) / w, y: ((h[3] ?? 0) * p.x + (h[4] ?? 0) * p.y + (h[5] ?? 0)) / w };
}

/** The four extreme points: smallest and largest x+y and x−y (board rotated less than ~40°). */
function extremes(points: readonly Point[]): Point[] {
  const by = (f: (p: Point) => number, max: boolean): Point =>
    points.reduce((best, p) => ((max ? f(p) > f(best) : f(p) < f(best)) ? p : best), points[0] ?? { x: 0, y: 0 });
  return [by((p) => p.x + p.y, false), by((p) => p.x - p.y, true), by((p) => p.x + p.y, true), by((p) => p.x - p.y, false)];
}

/**
 * Orders `corners` into a cols x rows grid (row-major), or undefined when they do not form one.
 * Tries both assignments of cols/rows to the board's sides and keeps the one that fits.
 */
export function orderGrid(corners: readonly Point[], cols: number, rows: number): Point[] | undefined {
  if (corners.length !== cols * rows) return undefined;
  const [tl, tr, br, bl] = extremes(corners);
  if (!tl || !tr || !br || !bl) return undefined;
  let best: { points: Point[]; error: number } | undefined;
  const layouts: [number, number, Point[]][] = [
    [cols, rows, [tl, tr, br, bl]],
    [cols, rows, [tr, br, bl, tl]],
  ];
  for (const [c, r, quad] of layouts) {
    const ideal = [{ x: 0, y: 0 }, { x: c - 1, y: 0 }, { x: c - 1, y: r - 1 }, { x: 0, y: r - 1 }];
    const h = homography4(ideal, quad);
    const used = new Set<Point>();
    const points: Point[] = [];
    let error = 0;
    for (let y = 0; y < r; y++) {
      for (let x = 0; x < c; x++) {
        const guess = applyHomography(h, { x, y });
        let nearest: Point | undefined;
        let d = Infinity;
        for (const p of corners) {
          const dd = Math.hypot(p.x - guess.x, p.y - guess.y);
          if (dd < d && !used.has(p)) {
            d = dd;
            nearest = p;
          }
        }
        if (!nearest) return undefined;
        used.add(nearest);
        points.push(nearest);
        error = Math.max(error, d);
      }
    }
    if (!best || error < best.error) best = { points, error };
  }
  // Corners more than a third of a square off their predicted place: not this grid.
  const spacing = Math.hypot(tr.x - tl.x, tr.y - tl.y) / Math.max(cols, rows);
  return best && best.error < spacing / 3 ? best.points : undefined;
}
