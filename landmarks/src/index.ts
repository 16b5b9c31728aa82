export * from './types.js';
export { createDetector } from './detector.js';
export { checkImage, flipHorizontal } from './image.js';
export { toLandmarkPacket, type PacketContext } from './packet.js';
export { LANDMARKS_VERSION } from './version.js';
export { readVideoFrames, probeVideo, outputGeometry, VideoDecodeError, type VideoFrame, type VideoInfo, type ReadVideoOptions } from './video.js';
export { liteRtMemory } from './diagnostics.js';
export { fixturesDir } from './fixtures.js';
export { setLiteRtThreads, liteRtThreads, setLiteRtLog } from './mediapipe/runtime.js';
