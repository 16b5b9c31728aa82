export * from './types.js';
export { createDetector } from './detector.js';
export { checkImage, flipHorizontal } from './image.js';
export { toLandmarkPacket, type PacketContext } from './packet.js';
export { LANDMARKS_VERSION } from './version.js';
