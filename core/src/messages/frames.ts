import { z } from 'zod';
import { subjectToken } from '../nats/subjects.js';

/**
 * Frame message: one JPEG on `subjects.frames(rig, camera)`, payload = the JPEG bytes, metadata
 * in NATS headers (so consumers need not parse the image to route it). `Nats-Msg-Id` is
 * `<rig>.<camera>.<seq>`: a resend after a reconnect is dropped by JetStream's duplicate window.
 * Capture times are the agent host's clocks: wall clock in ns since the Unix epoch, and a
 * monotonic clock in ns (for intervals between frames of one agent), both decimal strings.
 */
export const FRAME_HEADERS = {
  rig: 'Signflow-Rig',
  camera: 'Signflow-Camera',
  seq: 'Signflow-Seq',
  captureWallNs: 'Signflow-Capture-Wall-Ns',
  captureMonoNs: 'Signflow-Capture-Mono-Ns',
  width: 'Signflow-Width',
  height: 'Signflow-Height',
  encoding: 'Signflow-Encoding',
  calibrationVersion: 'Signflow-Calibration-Version',
} as const;

const decimal = z.string().regex(/^\d+$/, 'expected a decimal integer');
const count = decimal.transform(Number).pipe(z.number().int().nonnegative().max(Number.MAX_SAFE_INTEGER));

export const frameHeadersSchema = z.object({
  rig: subjectToken,
  camera: subjectToken,
  seq: count,
  captureWallNs: decimal.transform(BigInt),
  captureMonoNs: decimal.transform(BigInt),
  width: count,
  height: count,
  encoding: z.enum(['jpeg']),
  /** Empty when the camera has no calibration. */
  calibrationVersion: z.string().max(64),
});
export type FrameHeaders = z.output<typeof frameHeadersSchema>;

/** `Nats-Msg-Id` of a frame. */
export function frameMsgId(rig: string, camera: string, seq: number): string {
  return `${rig}.${camera}.${seq}`;
}

/** Header map for a frame, keyed by the NATS header names. */
export function frameHeaderRecord(frame: FrameHeaders): Record<string, string> {
  return {
    [FRAME_HEADERS.rig]: frame.rig,
    [FRAME_HEADERS.camera]: frame.camera,
    [FRAME_HEADERS.seq]: String(frame.seq),
    [FRAME_HEADERS.captureWallNs]: frame.captureWallNs.toString(),
    [FRAME_HEADERS.captureMonoNs]: frame.captureMonoNs.toString(),
    [FRAME_HEADERS.width]: String(frame.width),
    [FRAME_HEADERS.height]: String(frame.height),
    [FRAME_HEADERS.encoding]: frame.encoding,
    [FRAME_HEADERS.calibrationVersion]: frame.calibrationVersion,
  };
}

/** Reads frame headers from anything with `get(name)` (a NATS MsgHdrs); throws a ZodError if malformed. */
export function readFrameHeaders(headers: { get(name: string): string } | undefined): FrameHeaders {
  const raw: Record<string, string | undefined> = {};
  for (const [key, name] of Object.entries(FRAME_HEADERS)) raw[key] = headers?.get(name) ?? undefined;
  return frameHeadersSchema.parse(raw);
}
