import { z } from 'zod';
import { subjectToken } from '@signflow/core';
import { byteSize, duration, resolution } from './units.js';

const finite = z.number().finite();
const vec3 = z.tuple([finite, finite, finite]);

/** Where a camera's pictures come from; every kind is read through ffmpeg. */
export const sourceSchema = z.discriminatedUnion('kind', [
  z
    .object({
      kind: z.literal('file'),
      path: z.string().min(1),
      /** Start again at the end instead of stopping. */
      loop: z.boolean().default(false),
      /** Read at the clip's own frame rate (ffmpeg -re) instead of as fast as it decodes. */
      realtime: z.boolean().default(true),
      /** Headerless raw frames (e.g. a capture dumped from a camera): how to read them. */
      raw: z
        .object({
          /** An ffmpeg pixel format (`ffmpeg -pix_fmts`), e.g. yuyv422, yuv420p, nv12, rgb24, gray. */
          pixelFormat: z.string().regex(/^[a-z0-9_]+$/, 'expected an ffmpeg pixel format name such as yuyv422'),
          size: resolution,
          fps: z.number().positive().max(240),
        })
        .strict()
        .optional(),
    })
    .strict(),
  z
    .object({
      kind: z.literal('testsrc'),
      /** An ffmpeg lavfi video source. */
      pattern: z.enum(['testsrc', 'testsrc2', 'smptebars', 'mandelbrot']).default('testsrc2'),
      realtime: z.boolean().default(true),
    })
    .strict(),
  z
    .object({
      kind: z.literal('v4l2'),
      device: z.string().regex(/^\/dev\/\S+$/, 'expected a device path such as /dev/video0'),
      /** Pixel format asked of the device, e.g. mjpeg or yuyv422; omitted = the driver's default. */
      inputFormat: z.string().regex(/^[a-z0-9_]+$/).optional(),
    })
    .strict(),
  z
    .object({
      kind: z.enum(['rtsp', 'http']),
      url: z.string().regex(/^(rtsp|rtsps|http|https):\/\/\S+$/, 'expected an rtsp:// or http(s):// URL'),
      /** Give up on a silent server after this long. */
      timeout: duration.default(5000),
      transport: z.enum(['tcp', 'udp']).default('tcp'),
    })
    .strict(),
]);

export const calibrationSchema = z
  .object({
    /** Goes into every frame's header so consumers know which calibration applies. */
    version: z.union([z.string().min(1), z.number().int().nonnegative()]).transform(String),
    intrinsics: z
      .object({
        fx: finite.positive(),
        fy: finite.positive(),
        cx: finite,
        cy: finite,
        /** OpenCV order: k1, k2, p1, p2[, k3[, k4, k5, k6]]. */
        distortion: z.array(finite).max(8).default([0, 0, 0, 0, 0]),
      })
      .strict(),
    extrinsics: z
      .object({
        /** Rodrigues rotation vector (radians) from the rig frame to the camera frame. */
        rotation: vec3,
        /** Translation in metres, rig frame to camera frame. */
        translation: vec3,
      })
      .strict()
      .default({ rotation: [0, 0, 0], translation: [0, 0, 0] }),
  })
  .strict();

export const cameraSchema = z
  .object({
    id: subjectToken,
    role: z.string().regex(/^[a-z][a-z0-9_-]*$/, 'expected a lower-case role such as hands, body or side'),
    source: sourceSchema,
    resolution,
    fps: z.number().positive().max(120),
    /** 1–100 as in libjpeg; mapped to ffmpeg's mjpeg qscale. */
    jpegQuality: z.number().int().min(1).max(100).default(80),
    calibration: calibrationSchema.optional(),
    /** On-edge landmark extraction: publish landmark packets beside the JPEGs, or instead of them. */
    landmarks: z
      .object({
        mode: z.enum(['off', 'beside', 'only']).default('off'),
        /** Frames per second given to the detector (it skips frames while busy). */
        fps: z.number().positive().max(30).default(5),
      })
      .strict()
      .prefault({}),
  })
  .strict();

export const rigSchema = z
  .object({
    id: subjectToken,
    cameras: z.array(cameraSchema).min(1, 'a rig needs at least one camera'),
    nats: z
      .object({
        url: z.string().regex(/^(nats|tls|wss?):\/\/\S+$/, 'expected a nats:// URL').optional(),
        user: z.string().min(1).optional(),
        password: z.string().min(1).optional(),
      })
      .strict()
      .prefault({}),
    stream: z
      .object({
        maxAge: duration.prefault('1h'),
        maxBytes: byteSize.prefault('2GB'),
        duplicateWindow: duration.prefault('2m'),
      })
      .strict()
      .prefault({ maxAge: '1h', maxBytes: '2GB', duplicateWindow: '2m' }),
    buffer: z
      .object({
        /** Frames held per camera while NATS is unreachable; the oldest go first when full. */
        maxFrames: z.number().int().positive().prefault(300),
        maxBytes: byteSize.prefault('64MB'),
        /** Spill frames that do not fit in memory to this folder (bounded by diskMaxBytes). */
        diskDir: z.string().min(1).optional(),
        diskMaxBytes: byteSize.prefault('1GB'),
      })
      .strict()
      .prefault({ maxFrames: 300, maxBytes: '64MB', diskMaxBytes: '1GB' }),
    bundle: z
      .object({
        /** Frames of different cameras whose capture times differ by at most this form a bundle. */
        tolerance: duration.prefault('20ms'),
      })
      .strict()
      .prefault({ tolerance: '20ms' }),
    heartbeat: z.object({ interval: duration.prefault('2s') }).strict().prefault({ interval: '2s' }),
  })
  .strict()
  .superRefine((rig, ctx) => {
    const seen = new Map<string, number>();
    rig.cameras.forEach((camera, index) => {
      const first = seen.get(camera.id);
      if (first !== undefined) ctx.addIssue({ code: 'custom', path: ['cameras', index, 'id'], message: `duplicate camera id ${camera.id} (also cameras[${first}])` });
      else seen.set(camera.id, index);
    });
  });

export type SourceConfig = z.output<typeof sourceSchema>;
export type CameraConfig = z.output<typeof cameraSchema>;
export type Calibration = z.output<typeof calibrationSchema>;
export type RigConfig = z.output<typeof rigSchema>;
export type RigConfigInput = z.input<typeof rigSchema>;
