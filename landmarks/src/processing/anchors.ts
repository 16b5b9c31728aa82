/**
 * SSD anchors for MediaPipe's single-shot detectors (SsdAnchorsCalculator), and the anchor
 * configurations of the palm detector and the BlazePose person detector.
 */

export interface AnchorConfig {
  numLayers: number;
  minScale: number;
  maxScale: number;
  inputSizeHeight: number;
  inputSizeWidth: number;
  anchorOffsetX: number;
  anchorOffsetY: number;
  strides: number[];
  aspectRatios: number[];
  featureMapHeight?: number[];
  featureMapWidth?: number[];
  reduceBoxesInLowestLayer?: boolean;
  interpolatedScaleAspectRatio?: number;
  fixedAnchorSize?: boolean;
}

export interface Anchor {
  xCenter: number;
  yCenter: number;
  width: number;
  height: number;
}

/** Palm detection (palm_detection_full/lite.tflite, 192x192 input, 2016 anchors). */
export const PALM_ANCHORS: AnchorConfig = {
  numLayers: 4,
  minScale: 0.1484375,
  maxScale: 0.75,
  inputSizeHeight: 192,
  inputSizeWidth: 192,
  anchorOffsetX: 0.5,
  anchorOffsetY: 0.5,
  strides: [8, 16, 16, 16],
  aspectRatios: [1.0],
  fixedAnchorSize: true,
  interpolatedScaleAspectRatio: 1.0,
};

/** BlazePose person detection (pose_detection.tflite, 224x224 input, 2254 anchors). */
export const POSE_ANCHORS: AnchorConfig = {
  numLayers: 5,
  minScale: 0.1484375,
  maxScale: 0.75,
  inputSizeHeight: 224,
  inputSizeWidth: 224,
  anchorOffsetX: 0.5,
  anchorOffsetY: 0.5,
  strides: [8, 16, 32, 32, 32],
  aspectRatios: [1.0],
  fixedAnchorSize: true,
  interpolatedScaleAspectRatio: 1.0,
};

function scaleAt(minScale: number, maxScale: number, strideIndex: number, numStrides: number): number {
  return numStrides === 1 ? (minScale + maxScale) / 2 : minScale + ((maxScale - minScale) * strideIndex) / (numStrides - 1);
}

export function createSsdAnchors(config: AnchorConfig): Anchor[] {
  const interpolated = config.interpolatedScaleAspectRatio ?? 1.0;
  const anchors: Anchor[] = [];
  let layerId = 0;
  while (layerId < config.numLayers) {
    const anchorHeight: number[] = [];
    const anchorWidth: number[] = [];
    const aspectRatios: number[] = [];
    const scales: number[] = [];
    // Layers with the same stride share one feature map; their anchors are merged in order.
    let last = layerId;
    while (last < config.strides.length && config.strides[last] === config.strides[layerId]) {
      const scale = scaleAt(config.minScale, config.maxScale, last, config.strides.length);
      if (last === 0 && config.reduceBoxesInLowestLayer) {
        aspectRatios.push(1, 2, 0.5);
        scales.push(0.1, scale, scale);
      } else {
        for (const ratio of config.aspectRatios) {
          aspectRatios.push(ratio);
          scales.push(scale);
        }
        if (interpolated > 0) {
          const next = last === config.strides.length - 1 ? 1.0 : scaleAt(config.minScale, config.maxScale, last + 1, config.strides.length);
          scales.push(Math.sqrt(scale * next));
          aspectRatios.push(interpolated);
        }
      }
      last++;
    }
    for (let i = 0; i < aspectRatios.length; i++) {
      const r = Math.sqrt(aspectRatios[i] as number);
      anchorHeight.push((scales[i] as number) / r);
      anchorWidth.push((scales[i] as number) * r);
    }
    const stride = config.strides[layerId] as number;
    const fmH = config.featureMapHeight?.length ? (config.featureMapHeight[layerId] as number) : Math.ceil(config.inputSizeHeight / stride);
    const fmW = config.featureMapWidth?.length ? (config.featureMapWidth[layerId] as number) : Math.ceil(config.inputSizeWidth / stride);
    for (let y = 0; y < fmH; y++) {
      for (let x = 0; x < fmW; x++) {
        for (let a = 0; a < anchorHeight.length; a++) {
          anchors.push({
            xCenter: (x + config.anchorOffsetX) / fmW,
            yCenter: (y + config.anchorOffsetY) / fmH,
            width: config.fixedAnchorSize ? 1 : (anchorWidth[a] as number),
            height: config.fixedAnchorSize ? 1 : (anchorHeight[a] as number),
          });
        }
      }
    }
    layerId = last;
  }
  return anchors;
}

/** BlazeFace short range (face_detection_short_range.tflite, 128x128 input, 896 anchors). */
export const FACE_ANCHORS: AnchorConfig = {
  numLayers: 4,
  minScale: 0.1484375,
  maxScale: 0.75,
  inputSizeHeight: 128,
  inputSizeWidth: 128,
  anchorOffsetX: 0.5,
  anchorOffsetY: 0.5,
  strides: [8, 16, 16, 16],
  aspectRatios: [1.0],
  fixedAnchorSize: true,
  interpolatedScaleAspectRatio: 1.0,
};
