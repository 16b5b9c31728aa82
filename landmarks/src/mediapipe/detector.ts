import type { LandmarkDetector, MediaPipeDetectorOptions } from '../types.js';

/** MediaPipe hands + BlazePose on LiteRT (being implemented; see issue 4 §1). */
export function createMediaPipeDetector(_options: MediaPipeDetectorOptions): Promise<LandmarkDetector> {
  return Promise.reject(new Error('the mediapipe detector is not implemented yet'));
}
