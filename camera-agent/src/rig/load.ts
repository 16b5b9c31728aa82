import { readFileSync } from 'node:fs';
import { parse as parseYaml, YAMLParseError } from 'yaml';
import { MAX_MESSAGE_BYTES, parseWith } from '@signflow/core';
import { RigConfigError } from '../errors.js';
import { rigSchema, type RigConfig } from './schema.js';
import { highestQualityWithin, maxJpegBytes } from './jpeg-size.js';
import { formatBytes } from './units.js';

/**
 * Validates a parsed rig document: the schema names the bad field; then each camera's
 * worst-case JPEG must fit in one NATS message.
 */
export function parseRig(doc: unknown, source = 'rig'): RigConfig {
  const rig = parseWith(rigSchema, doc, source);
  const problems: string[] = [];
  rig.cameras.forEach((camera, index) => {
    const { width, height } = camera.resolution;
    const bytes = maxJpegBytes(width, height, camera.jpegQuality);
    if (bytes <= MAX_MESSAGE_BYTES) return;
    const fits = highestQualityWithin(width, height, MAX_MESSAGE_BYTES);
    const fix = fits === undefined ? 'lower the resolution' : `lower jpegQuality to ${fits} or below, or the resolution`;
    problems.push(
      `cameras[${index}] (${camera.id}): ${width}x${height} at jpegQuality ${camera.jpegQuality} can reach ${bytes} bytes (${formatBytes(bytes)}) per frame, above the ${MAX_MESSAGE_BYTES}-byte (${formatBytes(MAX_MESSAGE_BYTES)}) message limit; ${fix}`,
    );
  });
  if (problems.length > 0) throw new RigConfigError(`${source}: ${problems.join('; ')}`);
  return rig;
}

/** Reads and validates a rig.yaml. */
export function loadRig(path: string): RigConfig {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    throw new RigConfigError(`cannot read rig file ${path}: check the path and its permissions`, { cause: err });
  }
  let doc: unknown;
  try {
    doc = parseYaml(text);
  } catch (err) {
    const where = err instanceof YAMLParseError && err.linePos ? ` at line ${err.linePos[0].line}` : '';
    throw new RigConfigError(`${path}: not valid YAML${where}: ${err instanceof Error ? err.message : String(err)}`, { cause: err });
  }
  if (typeof doc !== 'object' || doc === null || Array.isArray(doc)) {
    throw new RigConfigError(`${path}: expected a mapping with id and cameras at the top level`);
  }
  return parseRig(doc, path);
}
