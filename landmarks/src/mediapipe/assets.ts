/**
 * MediaPipe's model files, taken from the npm packages that ship them (nothing is downloaded at
 * run time). Some sit as plain files in the package; others are packed inside the package's
 * `*_packed_assets.data` file, whose byte ranges the package's `*_packed_assets_loader.js`
 * declares in a `loadPackage({"files": [...]})` call. They are read (and unpacked) into memory
 * at load time and checked against the sha256 sums below, so a different package version
 * fails loudly instead of silently changing landmarks.
 */
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';

export type ModelRole = 'palm_full' | 'palm_lite' | 'hand_full' | 'hand_lite' | 'pose_detector' | 'pose_lite' | 'pose_full' | 'pose_heavy' | 'face_detector' | 'face_landmark';

export interface ModelAsset {
  /** npm package that ships the file (pinned exactly in landmarks/package.json). */
  pkg: '@mediapipe/hands' | '@mediapipe/pose' | '@mediapipe/face_mesh';
  /** Plain file in the package, or a file packed inside `packed.data` (path as the loader names it). */
  file: string;
  packed?: { data: string; loader: string };
  sha256: string;
}

export const MODEL_ASSETS: Record<ModelRole, ModelAsset> = {
  palm_full: {
    pkg: '@mediapipe/hands',
    file: '/third_party/mediapipe/modules/palm_detection/palm_detection_full.tflite',
    packed: { data: 'hands_solution_packed_assets.data', loader: 'hands_solution_packed_assets_loader.js' },
    sha256: '2f25e740121983f68ffc05f99991d524dc0ea812134f6316a26125816941ee85',
  },
  palm_lite: {
    pkg: '@mediapipe/hands',
    file: '/third_party/mediapipe/modules/palm_detection/palm_detection_lite.tflite',
    packed: { data: 'hands_solution_packed_assets.data', loader: 'hands_solution_packed_assets_loader.js' },
    sha256: 'e9a4aaddf90dda56a87235303cf00e4c2d3fb28725f68fd88772997dac905c18',
  },
  hand_full: { pkg: '@mediapipe/hands', file: 'hand_landmark_full.tflite', sha256: '8c026882c9ec059ce0f8e75266bee5a9a23c341a40e0000df755374d3d1b9b68' },
  hand_lite: { pkg: '@mediapipe/hands', file: 'hand_landmark_lite.tflite', sha256: 'd7fde8ac11f8ce03f8663775bfc323f4fc9f2a38062b4f4efa142874ef5b2a48' },
  pose_detector: {
    pkg: '@mediapipe/pose',
    file: '/third_party/mediapipe/modules/pose_detection/pose_detection.tflite',
    packed: { data: 'pose_solution_packed_assets.data', loader: 'pose_solution_packed_assets_loader.js' },
    sha256: 'a63c614bef30d35947f13be361820b1e4e3bec9cfeebf4d11216a18373108e85',
  },
  pose_lite: { pkg: '@mediapipe/pose', file: 'pose_landmark_lite.tflite', sha256: 'f17bfbecadb61c3be1baa8b8d851cc6619c870a87167b32848ad20db306b9d61' },
  pose_full: { pkg: '@mediapipe/pose', file: 'pose_landmark_full.tflite', sha256: 'e9a5c5cb17f736fafd4c2ec1da3b3d331d6edbe8a0d32395855aeb2cdfd64b9f' },
  pose_heavy: { pkg: '@mediapipe/pose', file: 'pose_landmark_heavy.tflite', sha256: '59e42d71bcd44cbdbabc419f0ff76686595fd265419566bd4009ef703ea8e1fe' },
  face_detector: {
    pkg: '@mediapipe/face_mesh',
    file: '/third_party/mediapipe/modules/face_detection/face_detection_short_range.tflite',
    packed: { data: 'face_mesh_solution_packed_assets.data', loader: 'face_mesh_solution_packed_assets_loader.js' },
    sha256: '3bc182eb9f33925d9e58b5c8d59308a760f4adea8f282370e428c51212c26633',
  },
  face_landmark: {
    pkg: '@mediapipe/face_mesh',
    file: '/third_party/mediapipe/modules/face_landmark/face_landmark.tflite',
    packed: { data: 'face_mesh_solution_packed_assets.data', loader: 'face_mesh_solution_packed_assets_loader.js' },
    sha256: 'c603fa6149219a3e9487dc9abd7a0c24474c77263273d24868378cdf40aa26d1',
  },
};

export class ModelAssetError extends Error {
  readonly code = 'MODEL_ASSET';
}

const require = createRequire(import.meta.url);

/** The installed package's folder and version. */
export function packageDir(pkg: string): { dir: string; version: string } {
  let manifest: string;
  try {
    manifest = require.resolve(`${pkg}/package.json`);
  } catch (err) {
    throw new ModelAssetError(`${pkg} is not installed: run \`npm install\` (it ships the MediaPipe model files)`, { cause: err });
  }
  const { version } = JSON.parse(readFileSync(manifest, 'utf8')) as { version: string };
  return { dir: dirname(manifest), version };
}

export interface PackedFile {
  filename: string;
  start: number;
  end: number;
}

/** Reads the file table from a MediaPipe `*_packed_assets_loader.js` (its `loadPackage({...})` argument). */
export function parsePackedAssetsLoader(source: string): PackedFile[] {
  const match = /loadPackage\((\{"files":\s*\[.*?\][^)]*\})\)/s.exec(source);
  if (!match?.[1]) throw new ModelAssetError('no loadPackage({"files": [...]}) call in the packed assets loader');
  const parsed = JSON.parse(match[1]) as { files?: PackedFile[] };
  if (!Array.isArray(parsed.files)) throw new ModelAssetError('packed assets loader lists no files');
  return parsed.files;
}

/** The bytes of one file inside a packed `.data` file. */
export function extractPackedFile(data: Uint8Array, files: readonly PackedFile[], filename: string): Uint8Array {
  const entry = files.find((f) => f.filename === filename);
  if (!entry) throw new ModelAssetError(`${filename} is not in the packed assets (has: ${files.map((f) => f.filename).join(', ')})`);
  if (entry.start < 0 || entry.end > data.length || entry.end <= entry.start) throw new ModelAssetError(`${filename}: bytes ${entry.start}..${entry.end} are outside the ${data.length}-byte data file`);
  return data.subarray(entry.start, entry.end);
}

/** True when the bytes look like a TFLite flatbuffer (identifier "TFL3" at offset 4). */
export function isTflite(bytes: Uint8Array): boolean {
  return bytes.length > 8 && bytes[4] === 0x54 && bytes[5] === 0x46 && bytes[6] === 0x4c && bytes[7] === 0x33;
}

export interface LoadedModelFile {
  role: ModelRole;
  bytes: Uint8Array;
  /** "package@version/file", as reported in landmark packets. */
  source: string;
}

const packedCache = new Map<string, { data: Uint8Array; files: PackedFile[] }>();

/** Reads a model's bytes from its npm package, unpacking it if needed, and checks its sha256. */
export function loadModelFile(role: ModelRole): LoadedModelFile {
  const asset = MODEL_ASSETS[role];
  const { dir, version } = packageDir(asset.pkg);
  let bytes: Uint8Array;
  if (asset.packed) {
    const key = join(dir, asset.packed.data);
    let packed = packedCache.get(key);
    if (!packed) {
      packed = { data: new Uint8Array(readFileSync(key)), files: parsePackedAssetsLoader(readFileSync(join(dir, asset.packed.loader), 'utf8')) };
      packedCache.set(key, packed);
    }
    bytes = extractPackedFile(packed.data, packed.files, asset.file);
  } else {
    bytes = new Uint8Array(readFileSync(join(dir, asset.file)));
  }
  const name = asset.file.split('/').pop() ?? asset.file;
  const source = `${asset.pkg}@${version}/${name}`;
  if (!isTflite(bytes)) throw new ModelAssetError(`${source} is not a TFLite model`);
  const sum = createHash('sha256').update(bytes).digest('hex');
  if (sum !== asset.sha256) throw new ModelAssetError(`${source}: sha256 ${sum} differs from the pinned ${asset.sha256}; install the version pinned in landmarks/package.json`);
  return { role, bytes, source };
}
