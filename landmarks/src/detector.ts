import { ValidationError } from '@signflow/core';
import { checkImage } from './image.js';
import type { DetectorKind, DetectorOptionsByKind, LandmarkDetector, LandmarkFrame, StaticDetectorOptions } from './types.js';
import { LANDMARKS_VERSION } from './version.js';

/**
 * Creates a landmark detector.
 * - `'mediapipe'`: MediaPipe's palm/hand-landmark and BlazePose models (from npm packages) on
 *   LiteRT's WebAssembly CPU runtime, with MediaPipe-style tracking. Loads the models (~1 s).
 * - `'static'`: a test double whose `respond` callback decides each frame's result.
 */
export async function createDetector<K extends DetectorKind>(kind: K, options?: DetectorOptionsByKind[K]): Promise<LandmarkDetector> {
  switch (kind) {
    case 'mediapipe': {
      const { createMediaPipeDetector } = await import('./mediapipe/detector.js');
      return createMediaPipeDetector((options ?? {}) as DetectorOptionsByKind['mediapipe']);
    }
    case 'static':
      if (!options || typeof (options as StaticDetectorOptions).respond !== 'function') {
        throw new ValidationError('static detector options', [{ path: 'respond', message: 'a function (image, timestampMs) => { hands, pose } is required' }]);
      }
      return new StaticDetector(options as StaticDetectorOptions);
    default:
      throw new ValidationError('detector kind', [{ path: 'kind', message: `unknown detector ${JSON.stringify(kind)}; use "mediapipe" or "static"` }]);
  }
}

class StaticDetector implements LandmarkDetector {
  readonly kind = 'static' as const;
  readonly description = { name: 'static', version: LANDMARKS_VERSION, models: {} };
  private closed = false;
  constructor(private readonly options: StaticDetectorOptions) {}

  async detect(image: Parameters<LandmarkDetector['detect']>[0], timestampMs: number): Promise<LandmarkFrame> {
    await Promise.resolve();
    if (this.closed) throw new Error('detector is closed');
    const checked = checkImage(image);
    const started = performance.now();
    const { hands, pose, face = null } = this.options.respond(image, timestampMs);
    const totalMs = performance.now() - started;
    return {
      timestampMs,
      width: checked.width,
      height: checked.height,
      hands,
      pose,
      face,
      tracked: { hands: false, pose: false, face: false },
      timings: { palmDetectionMs: 0, handLandmarkMs: 0, poseDetectionMs: 0, poseLandmarkMs: 0, faceMs: 0, totalMs },
    };
  }

  reset(): void {}

  close(): Promise<void> {
    this.closed = true;
    return Promise.resolve();
  }
}
