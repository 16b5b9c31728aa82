// Child-process helper for threads.it.test.ts: detects hands in one image, prints JSON.
import { createDetector, liteRtThreads, readVideoFrames } from '../../src/index.ts';

const path = process.argv[2];
if (!path) throw new Error('usage: detect-image.ts IMAGE');
const detector = await createDetector('mediapipe', { pose: false, tracking: false });
for await (const frame of readVideoFrames(path)) {
  const result = await detector.detect(frame, 0);
  console.log(JSON.stringify({ threads: liteRtThreads(), hands: result.hands.map((h) => ({ handedness: h.handedness, landmarks: h.landmarks })) }));
}
await detector.close();
