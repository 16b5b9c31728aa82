import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createSsdAnchors, PALM_ANCHORS, POSE_ANCHORS } from '../src/processing/anchors.ts';
import { decodeDetections, nonMaxSuppression, PALM_DECODE, type DecodeConfig } from '../src/processing/decode.ts';
import { alignmentPointsToRect, associateRects, detectionToRect, iou, normalizeRadians, rotationFromPoints, transformRect, type Detection, type Rect } from '../src/processing/geometry.ts';
import { decodeLandmarks, handLandmarksToRect, refineLandmarksFromHeatmap, removeLandmarkLetterbox } from '../src/processing/landmarks.ts';
import { cropToTensor, letterbox, projectLandmarks, removeLetterbox, roiInPixels, tensorToImageAffine } from '../src/processing/transform.ts';
import { checkImage } from '../src/image.ts';

const close = (a: number, b: number, eps = 1e-6, what = '') => assert.ok(Math.abs(a - b) <= eps, `${what} ${a} != ${b} (±${eps})`);

void test('SSD anchors: palm 2016 and pose 2254, grid centres, fixed size', () => {
  const palm = createSsdAnchors(PALM_ANCHORS);
  assert.equal(palm.length, 2016); // 24×24×2 + 12×12×6
  assert.deepEqual(palm[0], { xCenter: 0.5 / 24, yCenter: 0.5 / 24, width: 1, height: 1 });
  assert.deepEqual(palm[1], palm[0]); // two anchors per cell on the stride-8 layer
  close(palm[2]?.xCenter ?? 0, 1.5 / 24);
  const last = palm[palm.length - 1];
  close(last?.xCenter ?? 0, 11.5 / 12);
  close(last?.yCenter ?? 0, 11.5 / 12);
  assert.equal(createSsdAnchors(POSE_ANCHORS).length, 2254); // 28²×2 + 14²×2 + 7²×6
  const sized = createSsdAnchors({ ...PALM_ANCHORS, fixedAnchorSize: false });
  close(sized[0]?.width ?? 0, PALM_ANCHORS.minScale);
});

function rawFor(config: DecodeConfig, entries: { index: number; logit: number; values: number[] }[]): { boxes: Float32Array; scores: Float32Array } {
  const boxes = new Float32Array(config.numBoxes * config.numCoords);
  const scores = new Float32Array(config.numBoxes).fill(-20);
  for (const e of entries) {
    scores[e.index] = e.logit;
    boxes.set(e.values, e.index * config.numCoords);
  }
  return { boxes, scores };
}

void test('decodeDetections: offsets are relative to the anchor and scaled by the input size', () => {
  const anchors = createSsdAnchors(PALM_ANCHORS);
  const a = anchors[100];
  assert.ok(a);
  const kp = Array.from({ length: 14 }, (_, i) => (i % 2 === 0 ? 19.2 : -9.6));
  const { boxes, scores } = rawFor(PALM_DECODE, [
    { index: 100, logit: 3, values: [9.6, 0, 38.4, 19.2, ...kp] },
    { index: 200, logit: -3, values: [0, 0, 10, 10] }, // below threshold
    { index: 300, logit: 5, values: [0, 0, -10, 10] }, // negative width
  ]);
  const dets = decodeDetections(boxes, scores, anchors, PALM_DECODE);
  assert.equal(dets.length, 1);
  const d = dets[0] as Detection;
  close(d.score, 1 / (1 + Math.exp(-3)));
  close((d.box.xMin + d.box.xMax) / 2, a.xCenter + 0.05, 1e-6, 'x centre');
  close((d.box.yMin + d.box.yMax) / 2, a.yCenter, 1e-6, 'y centre');
  close(d.box.xMax - d.box.xMin, 0.2, 1e-6, 'width');
  close(d.box.yMax - d.box.yMin, 0.1, 1e-6, 'height');
  assert.equal(d.keypoints.length, 7);
  close(d.keypoints[0]?.x ?? 0, a.xCenter + 0.1);
  close(d.keypoints[0]?.y ?? 0, a.yCenter - 0.05);
  assert.throws(() => decodeDetections(boxes.subarray(10), scores, anchors, PALM_DECODE), /box tensor has/);
});

void test('nonMaxSuppression: hard keeps the best, weighted averages the overlapping boxes', () => {
  const det = (score: number, x: number, kx = x): Detection => ({ score, box: { xMin: x, yMin: 0, xMax: x + 1, yMax: 1 }, keypoints: [{ x: kx, y: 0 }] });
  const input = [det(0.6, 0.1), det(0.9, 0), det(0.8, 5)];
  const hard = nonMaxSuppression(input, 5, 0.3, 'hard');
  assert.deepEqual(
    hard.map((d) => d.score),
    [0.9, 0.8],
  );
  const weighted = nonMaxSuppression(input, 5, 0.3, 'weighted');
  assert.equal(weighted.length, 2);
  close(weighted[0]?.box.xMin ?? NaN, (0.9 * 0 + 0.6 * 0.1) / 1.5);
  close(weighted[0]?.keypoints[0]?.x ?? NaN, (0.6 * 0.1) / 1.5);
  assert.equal(weighted[0]?.score, 0.9);
  assert.equal(nonMaxSuppression(input, 1, 0.3).length, 1);
  assert.deepEqual(nonMaxSuppression([], 2, 0.3), []);
});

void test('angles and rects: rotation from keypoints, alignment rects, shifted and squared rects', () => {
  close(normalizeRadians(3 * Math.PI), -Math.PI);
  close(normalizeRadians(Math.PI / 2), Math.PI / 2);
  const size = { width: 200, height: 100 };
  // Wrist below, finger above: the hand points up → no rotation.
  close(rotationFromPoints({ x: 0.5, y: 0.8 }, { x: 0.5, y: 0.2 }, size, Math.PI / 2), 0);
  // Pointing right (image x) → rotated by +90° (clockwise in image coordinates).
  close(rotationFromPoints({ x: 0.2, y: 0.5 }, { x: 0.8, y: 0.5 }, size, Math.PI / 2), Math.PI / 2);
  const det: Detection = { score: 1, box: { xMin: 0.4, yMin: 0.4, xMax: 0.6, yMax: 0.8 }, keypoints: [{ x: 0.5, y: 0.8 }, { x: 0, y: 0 }, { x: 0.5, y: 0.4 }] };
  const r = detectionToRect(det, size, 0, 2);
  close(r.xCenter, 0.5);
  close(r.yCenter, 0.6);
  close(r.rotation, 0);
  const a = alignmentPointsToRect({ x: 0.5, y: 0.5 }, { x: 0.5, y: 0.3 }, size);
  close(a.width * size.width, 40); // 2 × 20 px
  close(a.height * size.height, 40);
  // Shift up by half the height, square to the long side (in pixels), scale.
  const t = transformRect({ xCenter: 0.5, yCenter: 0.5, width: 0.1, height: 0.4, rotation: 0 }, size, { shiftX: 0, shiftY: -0.5, scaleX: 2, scaleY: 2, squareLong: true });
  close(t.yCenter, 0.3);
  close(t.width * size.width, 80); // long side 40 px ×2
  close(t.height * size.height, 80);
  // With a 90° rotation, "up" in the rect frame is +x in the image.
  const tr = transformRect({ xCenter: 0.5, yCenter: 0.5, width: 0.2, height: 0.4, rotation: Math.PI / 2 }, size, { shiftX: 0, shiftY: -0.5, scaleX: 1, scaleY: 1 });
  close(tr.xCenter, 0.5 + (100 * 0.4 * 0.5) / 200);
  close(tr.yCenter, 0.5);
});

void test('associateRects: later rects replace overlapping earlier ones', () => {
  const rect = (x: number, w = 0.2): Rect => ({ xCenter: x, yCenter: 0.5, width: w, height: 0.2, rotation: 0 });
  const out = associateRects([rect(0.2), rect(0.7), rect(0.21, 0.21)], 0.5);
  assert.equal(out.length, 2);
  assert.equal(out[1]?.width, 0.21);
  close(iou({ xMin: 0, yMin: 0, xMax: 2, yMax: 1 }, { xMin: 1, yMin: 0, xMax: 3, yMax: 1 }), 1 / 3);
  assert.equal(iou({ xMin: 0, yMin: 0, xMax: 1, yMax: 1 }, { xMin: 2, yMin: 2, xMax: 3, yMax: 3 }), 0);
});

void test('letterbox: a 640x480 frame in a square tensor gets 12.5% bars top and bottom', () => {
  const { roi, padding } = letterbox(roiInPixels({ width: 640, height: 480 }), { width: 192, height: 192 });
  close(padding.top, 0.125);
  close(padding.bottom, 0.125);
  assert.equal(padding.left, 0);
  assert.equal(roi.height, 640);
  const back = removeLetterbox({ x: 0.5, y: 0.125 }, padding);
  close(back.y, 0);
  const tall = letterbox(roiInPixels({ width: 620, height: 1080 }), { width: 192, height: 192 });
  close(tall.padding.left, (1 - 620 / 1080) / 2);
  assert.throws(() => letterbox({ xCenter: 0, yCenter: 0, width: 0, height: 5, rotation: 0 }, { width: 1, height: 1 }), /empty region/);
});

function testImage(width: number, height: number): ReturnType<typeof checkImage> {
  const data = new Uint8Array(width * height * 3);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const o = (y * width + x) * 3;
      data[o] = x % 256;
      data[o + 1] = y % 256;
      data[o + 2] = 200;
    }
  }
  return checkImage({ data, width, height });
}

void test('cropToTensor: an axis-aligned crop samples the image; outside the image is the range minimum', () => {
  const img = testImage(100, 50);
  // Crop x 20..60, y 10..50 (a 40×40 square) into 40×40: one image pixel per tensor pixel.
  const rect: Rect = { xCenter: 0.4, yCenter: 0.6, width: 0.4, height: 0.8, rotation: 0 };
  const t = cropToTensor(img, rect, { width: 40, height: 40 }, [0, 255]);
  assert.deepEqual(t.padding, { top: 0, bottom: 0, left: 0, right: 0 });
  assert.deepEqual(Array.from(t.data.subarray(0, 3)), [20, 10, 200]);
  const o = (5 * 40 + 7) * 3;
  assert.deepEqual(Array.from(t.data.subarray(o, o + 3)), [27, 15, 200]);
  // Whole 100×50 image into 20×20 with [-1, 1]: the bars (top and bottom quarter) are -1.
  const full = cropToTensor(img, undefined, { width: 20, height: 20 }, [-1, 1]);
  close(full.padding.top, 0.25);
  assert.equal(full.data[0], -1);
  const mid = (10 * 20 + 10) * 3 + 2;
  close(full.data[mid] ?? NaN, (200 / 255) * 2 - 1, 1e-5);
  assert.throws(() => cropToTensor(img, rect, { width: 40, height: 40 }, [0, 1], new Float32Array(3)), /expected 4800/);
});

void test('cropToTensor: a rotated crop across the image border matches plain bilinear sampling (inside and edge pixels, RGB and RGBA)', () => {
  for (const channels of [3, 4] as const) {
    const w = 37;
    const h = 29;
    const data = new Uint8Array(w * h * channels);
    for (let i = 0; i < data.length; i++) data[i] = (i * 73 + 11) % 256;
    const img = checkImage({ data, width: w, height: h, channels });
    const rect: Rect = { xCenter: 0.8, yCenter: 0.3, width: 0.9, height: 0.7, rotation: 0.5 };
    const size = { width: 24, height: 20 };
    const t = cropToTensor(img, rect, size, [-1, 1]);
    const [a, b, c, d, e, f] = tensorToImageAffine(t.roi, size);
    const at = (x: number, y: number, k: number): number => (x >= 0 && y >= 0 && x < w && y < h ? (data[(y * w + x) * channels + k] as number) : 0);
    let inside = 0;
    let outside = 0;
    for (let v = 0; v < size.height; v++) {
      for (let u = 0; u < size.width; u++) {
        const x = a * u + b * v + c;
        const y = d * u + e * v + f;
        const x0 = Math.floor(x);
        const y0 = Math.floor(y);
        const far = x0 < -1 || y0 < -1 || x0 >= w || y0 >= h;
        if (far) outside++;
        else if (x0 >= 0 && y0 >= 0 && x0 + 1 < w && y0 + 1 < h) inside++;
        for (let k = 0; k < 3; k++) {
          const fx = x - x0;
          const fy = y - y0;
          const s = far ? 0 : (1 - fx) * (1 - fy) * at(x0, y0, k) + fx * (1 - fy) * at(x0 + 1, y0, k) + (1 - fx) * fy * at(x0, y0 + 1, k) + fx * fy * at(x0 + 1, y0 + 1, k);
          close(t.data[(v * size.width + u) * 3 + k] ?? NaN, (s / 255) * 2 - 1, 1e-5, `channels ${channels} u ${u} v ${v} k ${k}`);
        }
      }
    }
    assert.ok(inside > 50 && outside > 20, `the crop covers both the image and the outside (${inside} inside, ${outside} outside)`);
  }
});

void test('crop and projection are inverse: a point found in a rotated crop projects back to its image position', () => {
  const img = checkImage({ data: new Uint8Array(200 * 120 * 3), width: 200, height: 120 });
  const spot = { x: 130, y: 40 };
  for (let dy = -1; dy <= 1; dy++) for (let dx = -1; dx <= 1; dx++) img.data[((spot.y + dy) * 200 + spot.x + dx) * 3] = 255;
  // Square in pixels (80 × 80), as hand and pose ROIs are; the 64×48 tensor letterboxes it left and right.
  const rect: Rect = { xCenter: 0.6, yCenter: 0.4, width: 0.4, height: 80 / 120, rotation: 0.7 };
  const size = { width: 64, height: 48 };
  const t = cropToTensor(img, rect, size, [0, 1]);
  let best = -1;
  let bu = 0;
  let bv = 0;
  for (let v = 0; v < 48; v++)
    for (let u = 0; u < 64; u++) {
      const val = t.data[(v * 64 + u) * 3] as number;
      if (val > best) [best, bu, bv] = [val, u, v];
    }
  assert.ok(best > 0.5, 'the spot is inside the crop');
  // The tensor-space point → letterbox removed → projected with the ROI → image pixels.
  close(t.padding.left, 0.125);
  const local = removeLandmarkLetterbox([{ x: bu / 64, y: bv / 48, z: 0 }], t.padding);
  const [p] = projectLandmarks(local, rect);
  assert.ok(p);
  assert.ok(Math.hypot(p.x * 200 - spot.x, p.y * 120 - spot.y) < 3, `projected to ${p.x * 200},${p.y * 120}`);
  // The affine map agrees: tensor pixel → image pixel.
  const [a, b, c, d, e, f] = tensorToImageAffine(t.roi, size);
  assert.ok(Math.hypot(a * bu + b * bv + c - spot.x, d * bu + e * bv + f - spot.y) < 2);
});

void test('landmark decoding: pixels of the tensor → normalized, z scaled like x and by normalizeZ', () => {
  const raw = new Float32Array(21 * 3);
  raw.set([112, 56, 22.4], 0);
  const lms = decodeLandmarks(raw, 21, { width: 224, height: 224 }, 0.4);
  assert.equal(lms.length, 21);
  close(lms[0]?.x ?? NaN, 0.5);
  close(lms[0]?.y ?? NaN, 0.25);
  close(lms[0]?.z ?? NaN, 0.25);
  const pose = decodeLandmarks(new Float32Array(39 * 5), 39, { width: 256, height: 256 });
  close(pose[0]?.visibility ?? NaN, 0.5);
  assert.throws(() => decodeLandmarks(new Float32Array(10), 21, { width: 1, height: 1 }), /does not hold 21/);
});

/** An upright open hand, normalized coordinates, wrist at the bottom. */
function uprightHand(cx: number, cy: number, s: number): { x: number; y: number }[] {
  const pts: { x: number; y: number }[] = [{ x: cx, y: cy + s }];
  const fingers = [-0.6, -0.25, 0, 0.25, 0.5];
  fingers.forEach((fx, f) => {
    for (let j = 1; j <= 4; j++) pts.push({ x: cx + fx * s * (f === 0 ? 1 + j * 0.1 : 1), y: cy + s * (f === 0 ? 0.6 - j * 0.15 : 0.2 - j * 0.3) });
  });
  return pts;
}

void test('handLandmarksToRect: upright hand → no rotation, centred above the palm; a turned hand turns the rect', () => {
  const size = { width: 400, height: 400 };
  const hand = uprightHand(0.5, 0.5, 0.1);
  const r = handLandmarksToRect(hand, size);
  close(r.rotation, 0, 1e-9);
  assert.ok(r.width > 0.2 && r.width < 0.6, `width ${r.width}`);
  close(r.width, r.height); // squared
  assert.ok(r.yCenter < 0.6);
  // Rotate the hand 90° clockwise about (0.5, 0.5): it now points right (+x).
  const turned = hand.map((p) => ({ x: 0.5 - (p.y - 0.5), y: 0.5 + (p.x - 0.5) }));
  const rt = handLandmarksToRect(turned, size);
  close(Math.abs(rt.rotation), Math.PI / 2, 1e-9);
  assert.throws(() => handLandmarksToRect(hand.slice(0, 5), size), /needs 21/);
});

void test('refineLandmarksFromHeatmap: moves a landmark to the confident heatmap peak, keeps it otherwise', () => {
  const rows = 8;
  const cols = 8;
  const heat = new Float32Array(rows * cols * 2).fill(-10);
  heat[(3 * cols + 5) * 2] = 10; // channel 0 peak at row 3, col 5
  const out = refineLandmarksFromHeatmap([{ x: 0.5, y: 0.5 }, { x: 0.25, y: 0.25 }], heat, rows, cols, 3, 0.5);
  close(out[0]?.x ?? NaN, 5 / 8, 1e-3);
  close(out[0]?.y ?? NaN, 3 / 8, 1e-3);
  assert.deepEqual(out[1], { x: 0.25, y: 0.25 }); // no confident peak in channel 1
  assert.throws(() => refineLandmarksFromHeatmap([{ x: 0, y: 0 }], heat, rows, cols), /2 channels for 1 landmarks/);
});
