/**
 * Image → model-input tensors and model outputs → image coordinates
 * (ImageToTensorCalculator, letterbox removal, LandmarkProjectionCalculator).
 *
 * A region of interest (ROI) is a rotated rect in pixels. `cropToTensor` samples it
 * (bilinear, zero outside the image) into a `height × width × 3` float tensor, letterboxed to
 * keep its aspect ratio. The letterbox `Padding` says which fraction of each side is padding,
 * so outputs normalized to the tensor can be mapped back.
 */
import type { CheckedImage } from '../image.js';
import type { Point3, Rect, Size } from './geometry.js';

export interface Padding {
  top: number;
  left: number;
  right: number;
  bottom: number;
}

export const NO_PADDING: Padding = { top: 0, left: 0, right: 0, bottom: 0 };

/** A normalized rect → a pixel rect; no rect = the whole image. */
export function roiInPixels(imageSize: Size, normRect?: Rect): Rect {
  if (!normRect) return { xCenter: imageSize.width / 2, yCenter: imageSize.height / 2, width: imageSize.width, height: imageSize.height, rotation: 0 };
  return {
    xCenter: normRect.xCenter * imageSize.width,
    yCenter: normRect.yCenter * imageSize.height,
    width: normRect.width * imageSize.width,
    height: normRect.height * imageSize.height,
    rotation: normRect.rotation,
  };
}

/**
 * Grows a pixel ROI to the tensor's aspect ratio (letterbox) and returns the padding as
 * fractions of the grown ROI.
 */
export function letterbox(roi: Rect, target: Size): { roi: Rect; padding: Padding } {
  if (roi.width <= 0 || roi.height <= 0) throw new Error(`empty region ${roi.width}x${roi.height}`);
  const tensorAspect = target.height / target.width;
  const roiAspect = roi.height / roi.width;
  if (tensorAspect > roiAspect) {
    const pad = (1 - roiAspect / tensorAspect) / 2;
    return { roi: { ...roi, height: roi.width * tensorAspect }, padding: { top: pad, bottom: pad, left: 0, right: 0 } };
  }
  const pad = (1 - tensorAspect / roiAspect) / 2;
  return { roi: { ...roi, width: roi.height / tensorAspect }, padding: { top: 0, bottom: 0, left: pad, right: pad } };
}

/**
 * Affine map from tensor pixel (u, v) to image pixel (x, y):
 * `x = a*u + b*v + c`, `y = d*u + e*v + f` (image_to_tensor_utils GetRotatedSubRectToRectTransformMatrix,
 * then scaled to pixels as TF.js's getProjectiveTransformMatrix does).
 */
export function tensorToImageAffine(roi: Rect, target: Size, flipHorizontally = false): [number, number, number, number, number, number] {
  const flip = flipHorizontally ? -1 : 1;
  const cos = Math.cos(roi.rotation);
  const sin = Math.sin(roi.rotation);
  const a = (roi.width * cos * flip) / target.width;
  const b = (-roi.height * sin) / target.height;
  const c = -0.5 * roi.width * cos * flip + 0.5 * roi.height * sin + roi.xCenter;
  const d = (roi.width * sin * flip) / target.width;
  const e = (roi.height * cos) / target.height;
  const f = -0.5 * roi.height * cos - 0.5 * roi.width * sin * flip + roi.yCenter;
  return [a, b, c, d, e, f];
}

export interface TensorInput {
  /** `height × width × 3` floats, row-major, RGB. */
  data: Float32Array;
  padding: Padding;
  /** The letterboxed pixel ROI the tensor shows. */
  roi: Rect;
}

/**
 * Samples a rotated pixel ROI of `image` into a float RGB tensor of `target` size, keeping the
 * ROI's aspect ratio (zero padding), values mapped from 0..255 to `range`.
 */
export function cropToTensor(image: CheckedImage, normRect: Rect | undefined, target: Size, range: [number, number], out?: Float32Array): TensorInput {
  const { roi, padding } = letterbox(roiInPixels(image, normRect), target);
  const [a, b, c, d, e, f] = tensorToImageAffine(roi, target);
  const tw = target.width;
  const th = target.height;
  const data = out ?? new Float32Array(tw * th * 3);
  if (data.length !== tw * th * 3) throw new Error(`tensor buffer has ${data.length} floats, expected ${tw * th * 3}`);
  const scale = (range[1] - range[0]) / 255;
  const offset = range[0];
  const zero = offset; // value 0 (black) after shifting
  const { data: px, width: iw, height: ih, channels: ch } = image;
  const stride = iw * ch;
  let o = 0;
  for (let v = 0; v < th; v++) {
    let x = b * v + c;
    let y = e * v + f;
    for (let u = 0; u < tw; u++, x += a, y += d, o += 3) {
      const x0 = Math.floor(x);
      const y0 = Math.floor(y);
      if (x0 < -1 || y0 < -1 || x0 >= iw || y0 >= ih) {
        data[o] = zero;
        data[o + 1] = zero;
        data[o + 2] = zero;
        continue;
      }
      const fx = x - x0;
      const fy = y - y0;
      const w00 = (1 - fx) * (1 - fy);
      const w10 = fx * (1 - fy);
      const w01 = (1 - fx) * fy;
      const w11 = fx * fy;
      if (x0 >= 0 && y0 >= 0 && x0 + 1 < iw && y0 + 1 < ih) {
        // Fast path (most samples): all four neighbours inside; same sums as below.
        const p00 = y0 * stride + x0 * ch;
        const p10 = p00 + ch;
        const p01 = p00 + stride;
        const p11 = p01 + ch;
        data[o] = (w00 * (px[p00] as number) + w10 * (px[p10] as number) + w01 * (px[p01] as number) + w11 * (px[p11] as number)) * scale + offset;
        data[o + 1] = (w00 * (px[p00 + 1] as number) + w10 * (px[p10 + 1] as number) + w01 * (px[p01 + 1] as number) + w11 * (px[p11 + 1] as number)) * scale + offset;
        data[o + 2] = (w00 * (px[p00 + 2] as number) + w10 * (px[p10 + 2] as number) + w01 * (px[p01 + 2] as number) + w11 * (px[p11 + 2] as number)) * scale + offset;
        continue;
      }
      const in00 = x0 >= 0 && y0 >= 0;
      const in10 = x0 + 1 < iw && y0 >= 0;
      const in01 = x0 >= 0 && y0 + 1 < ih;
      const in11 = x0 + 1 < iw && y0 + 1 < ih;
      const p00 = y0 * stride + x0 * ch;
      const p10 = p00 + ch;
      const p01 = p00 + stride;
      const p11 = p01 + ch;
      for (let k = 0; k < 3; k++) {
        let s = 0;
        if (in00) s += w00 * (px[p00 + k] as number);
        if (in10) s += w10 * (px[p10 + k] as number);
        if (in01) s += w01 * (px[p01 + k] as number);
        if (in11) s += w11 * (px[p11 + k] as number);
        data[o + k] = s * scale + offset;
      }
    }
  }
  return { data, padding, roi };
}

/** Maps a point normalized to a letterboxed tensor back to the un-padded region (0..1). */
export function removeLetterbox<P extends { x: number; y: number }>(p: P, padding: Padding): P {
  const lr = padding.left + padding.right;
  const tb = padding.top + padding.bottom;
  return { ...p, x: (p.x - padding.left) / (1 - lr), y: (p.y - padding.top) / (1 - tb) };
}

/**
 * Landmarks normalized to a (letterbox-free) normalized rect → normalized image coordinates
 * (LandmarkProjectionCalculator). z is scaled like x.
 */
export function projectLandmarks<P extends Point3>(points: readonly P[], rect: Rect): P[] {
  const cos = Math.cos(rect.rotation);
  const sin = Math.sin(rect.rotation);
  return points.map((p) => {
    const x = p.x - 0.5;
    const y = p.y - 0.5;
    return { ...p, x: (cos * x - sin * y) * rect.width + rect.xCenter, y: (sin * x + cos * y) * rect.height + rect.yCenter, z: p.z * rect.width };
  });
}

/** World landmarks (metres) rotated by the rect's rotation (WorldLandmarkProjectionCalculator). */
export function projectWorldLandmarks<P extends Point3>(points: readonly P[], rect: Rect): P[] {
  const cos = Math.cos(rect.rotation);
  const sin = Math.sin(rect.rotation);
  return points.map((p) => ({ ...p, x: cos * p.x - sin * p.y, y: sin * p.x + cos * p.y }));
}
