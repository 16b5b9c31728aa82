import { z } from 'zod';

/**
 * Landmark layout: which points a frame holds and in what order. A frame is the concatenation of
 * the components' points, each point 4 float32 channels (x, y, z, visibility). Components have
 * canonical names when they are one of the usual parts (`pose`, `face`, `left_hand`,
 * `right_hand`, `pose_world`); other names are kept as the source spells them.
 */
export const CHANNELS = ['x', 'y', 'z', 'visibility'] as const;
export const CHANNEL_COUNT = CHANNELS.length;

export const layoutComponentSchema = z
  .object({
    name: z.string().min(1),
    points: z.number().int().positive(),
    /** Point names in order (MediaPipe / OpenPose names), when known; enables mirroring and shoulder lookup. */
    pointNames: z.array(z.string()).optional(),
    /** Naming scheme of the points, e.g. `mediapipe-pose`, `mediapipe-hand`, `mediapipe-face`, `openpose-body25`. */
    scheme: z.string().optional(),
    /** 3 when z carries depth, 2 when the source is 2D only (z is then 0). */
    dims: z.union([z.literal(2), z.literal(3)]).default(3),
  })
  .strict()
  .refine((c) => c.pointNames === undefined || c.pointNames.length === c.points, { message: 'pointNames must have one name per point' });
export type LayoutComponent = z.output<typeof layoutComponentSchema>;

export const landmarkLayoutSchema = z
  .object({
    /** A short stable id, e.g. `mediapipe-holistic-543`, `msl150-pose25-hands`, `hand-21`. */
    id: z.string().min(1),
    components: z.array(layoutComponentSchema).min(1),
  })
  .strict();
export type LandmarkLayout = z.output<typeof landmarkLayoutSchema>;

export function layoutPointCount(layout: LandmarkLayout): number {
  return layout.components.reduce((n, c) => n + c.points, 0);
}

/** Floats in one frame of this layout. */
export function frameFloats(layout: LandmarkLayout): number {
  return layoutPointCount(layout) * CHANNEL_COUNT;
}

/** First point index of each component, by name. */
export function componentOffsets(layout: LandmarkLayout): Map<string, { start: number; component: LayoutComponent }> {
  const out = new Map<string, { start: number; component: LayoutComponent }>();
  let start = 0;
  for (const component of layout.components) {
    out.set(component.name, { start, component });
    start += component.points;
  }
  return out;
}

export const MEDIAPIPE_POSE_NAMES: readonly string[] = [
  'nose', 'left_eye_inner', 'left_eye', 'left_eye_outer', 'right_eye_inner', 'right_eye', 'right_eye_outer',
  'left_ear', 'right_ear', 'mouth_left', 'mouth_right', 'left_shoulder', 'right_shoulder', 'left_elbow',
  'right_elbow', 'left_wrist', 'right_wrist', 'left_pinky', 'right_pinky', 'left_index', 'right_index',
  'left_thumb', 'right_thumb', 'left_hip', 'right_hip', 'left_knee', 'right_knee', 'left_ankle', 'right_ankle',
  'left_heel', 'right_heel', 'left_foot_index', 'right_foot_index',
];

export const MEDIAPIPE_HAND_NAMES: readonly string[] = [
  'wrist', 'thumb_cmc', 'thumb_mcp', 'thumb_ip', 'thumb_tip',
  'index_finger_mcp', 'index_finger_pip', 'index_finger_dip', 'index_finger_tip',
  'middle_finger_mcp', 'middle_finger_pip', 'middle_finger_dip', 'middle_finger_tip',
  'ring_finger_mcp', 'ring_finger_pip', 'ring_finger_dip', 'ring_finger_tip',
  'pinky_mcp', 'pinky_pip', 'pinky_dip', 'pinky_tip',
];

export const OPENPOSE_BODY25_NAMES: readonly string[] = [
  'Nose', 'Neck', 'RShoulder', 'RElbow', 'RWrist', 'LShoulder', 'LElbow', 'LWrist', 'MidHip', 'RHip', 'RKnee',
  'RAnkle', 'LHip', 'LKnee', 'LAnkle', 'REye', 'LEye', 'REar', 'LEar', 'LBigToe', 'LSmallToe', 'LHeel',
  'RBigToe', 'RSmallToe', 'RHeel',
];

export function mediapipePose(points = 33): LayoutComponent {
  return { name: 'pose', points, pointNames: MEDIAPIPE_POSE_NAMES.slice(0, points), scheme: 'mediapipe-pose', dims: 3 };
}

export function mediapipeHand(side: 'left' | 'right', dims: 2 | 3 = 3): LayoutComponent {
  return { name: `${side}_hand`, points: 21, pointNames: [...MEDIAPIPE_HAND_NAMES], scheme: 'mediapipe-hand', dims };
}

export function mediapipeFace(points = 468): LayoutComponent {
  return { name: 'face', points, scheme: 'mediapipe-face', dims: 3 };
}

/** Kaggle ISLR order of the 543 MediaPipe Holistic landmarks: face 468, left hand 21, pose 33, right hand 21. */
export const HOLISTIC_543: LandmarkLayout = {
  id: 'mediapipe-holistic-543',
  components: [mediapipeFace(468), mediapipeHand('left'), mediapipePose(33), mediapipeHand('right')],
};

/** MSL-150 keypoint arrays: MediaPipe pose landmarks 0–24, then left and right hands (x, y, z). */
export const MSL150_LAYOUT: LandmarkLayout = {
  id: 'msl150-pose25-hands',
  components: [mediapipePose(25), mediapipeHand('left'), mediapipeHand('right')],
};

/** One hand, 21 MediaPipe points, 2D (kazuhito keypoint.csv). */
export const HAND21_2D_LAYOUT: LandmarkLayout = {
  id: 'hand-21-2d',
  components: [{ ...mediapipeHand('right', 2), name: 'hand' }],
};

/** Canonical component name for a source's name (pose-format, OpenPose, Holistic), or the name itself. */
export function canonicalComponentName(name: string): string {
  const key = name.toLowerCase().replace(/[^a-z]/g, '');
  const known: Record<string, string> = {
    poselandmarks: 'pose',
    posekeypointsd: 'pose',
    pose: 'pose',
    facelandmarks: 'face',
    facekeypointsd: 'face',
    face: 'face',
    lefthandlandmarks: 'left_hand',
    handleftkeypointsd: 'left_hand',
    lefthand: 'left_hand',
    righthandlandmarks: 'right_hand',
    handrightkeypointsd: 'right_hand',
    righthand: 'right_hand',
    poseworldlandmarks: 'pose_world',
  };
  return known[key] ?? name;
}

/** Swaps left and right in a point or component name (`left_wrist`, `LEFT_HAND`, OpenPose `LWrist`). */
export function mirrorName(name: string): string {
  if (/left/i.test(name)) return name.replace(/left/gi, (m) => swapCase(m, 'right'));
  if (/right/i.test(name)) return name.replace(/right/gi, (m) => swapCase(m, 'left'));
  const openpose = /^([LR])([A-Z].*)$/.exec(name);
  if (openpose?.[2] !== undefined) return `${openpose[1] === 'L' ? 'R' : 'L'}${openpose[2]}`;
  return name;
}

function swapCase(matched: string, replacement: string): string {
  if (matched === matched.toUpperCase()) return replacement.toUpperCase();
  if (matched[0] === matched[0]?.toUpperCase()) return replacement[0]?.toUpperCase() + replacement.slice(1);
  return replacement;
}

/**
 * For each point of the layout, the index of its mirror image (left and right swapped): whole
 * components swap by name (`left_hand` ↔ `right_hand`), named points swap within a component.
 * Points without a counterpart map to themselves.
 */
export function mirrorPermutation(layout: LandmarkLayout): Int32Array {
  const offsets = componentOffsets(layout);
  const perm = new Int32Array(layoutPointCount(layout));
  for (const [name, { start, component }] of offsets) {
    const twinName = mirrorName(name);
    const found = twinName === name ? undefined : offsets.get(twinName);
    const twin = found && found.component.points === component.points ? found : undefined;
    const target = twin ?? { start, component };
    const names = target.component.pointNames;
    const index = new Map(names?.map((n, i) => [n, i]));
    for (let i = 0; i < component.points; i++) {
      const own = component.pointNames?.[i];
      const swapped = own === undefined || twin !== undefined ? undefined : index.get(mirrorName(own));
      perm[start + i] = target.start + (swapped ?? i);
    }
  }
  return perm;
}

/** Index of the point named like `side` shoulder in the layout (MediaPipe or OpenPose names), if any. */
export function findPoint(layout: LandmarkLayout, wanted: readonly string[], component?: string): number | undefined {
  const keys = new Set(wanted.map((w) => w.toLowerCase().replace(/[^a-z]/g, '')));
  for (const [name, { start, component: c }] of componentOffsets(layout)) {
    if (component !== undefined && name !== component) continue;
    const i = c.pointNames?.findIndex((n) => keys.has(n.toLowerCase().replace(/[^a-z]/g, '')));
    if (i !== undefined && i >= 0) return start + i;
  }
  return undefined;
}

export const LEFT_SHOULDER = ['left_shoulder', 'LShoulder'];
export const RIGHT_SHOULDER = ['right_shoulder', 'RShoulder'];
