import { z } from 'zod';

const SIZE_UNITS: Record<string, number> = { '': 1, B: 1, K: 1024, KB: 1024, M: 1024 ** 2, MB: 1024 ** 2, G: 1024 ** 3, GB: 1024 ** 3, T: 1024 ** 4, TB: 1024 ** 4 };
const DURATION_UNITS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 };

/** `64MB`, `2GB`, `1048576` → bytes. */
export const byteSize = z.union([
  z.number().int().positive(),
  z
    .string()
    .regex(/^\d+(\.\d+)?\s*([KMGT]B?|B)?$/i, 'expected a size such as 64MB or 2GB')
    .transform((text) => {
      const match = /^(\d+(?:\.\d+)?)\s*([A-Z]*)$/i.exec(text.trim());
      const unit = SIZE_UNITS[(match?.[2] ?? '').toUpperCase()] ?? 1;
      return Math.round(Number(match?.[1] ?? 0) * unit);
    }),
]);

/** `500ms`, `10s`, `2m`, `1h`, `7d`, or a number of milliseconds → milliseconds. */
export const duration = z.union([
  z.number().nonnegative(),
  z
    .string()
    .regex(/^\d+(\.\d+)?\s*(ms|s|m|h|d)$/, 'expected a duration such as 500ms, 10s, 2m, 1h or 7d')
    .transform((text) => {
      const match = /^(\d+(?:\.\d+)?)\s*(ms|s|m|h|d)$/.exec(text.trim());
      return Number(match?.[1] ?? 0) * (DURATION_UNITS[match?.[2] ?? 'ms'] ?? 1);
    }),
]);

/** `640x480` or `{ width, height }`; both even (ffmpeg's 4:2:0 JPEG needs it). */
export const resolution = z
  .union([
    z
      .string()
      .regex(/^\d+x\d+$/, 'expected WIDTHxHEIGHT such as 640x480')
      .transform((text) => {
        const [w, h] = text.split('x').map(Number);
        return { width: w ?? 0, height: h ?? 0 };
      }),
    z.object({ width: z.number().int(), height: z.number().int() }).strict(),
  ])
  .pipe(
    z
      .object({
        width: z.number().int().min(16).max(7680),
        height: z.number().int().min(16).max(4320),
      })
      .refine((r) => r.width % 2 === 0 && r.height % 2 === 0, 'width and height must be even (4:2:0 JPEG)'),
  );

export type Resolution = z.output<typeof resolution>;

export function formatBytes(bytes: number): string {
  if (bytes >= 1024 * 1024) return `${(bytes / 1024 / 1024).toFixed(1)} MiB`;
  if (bytes >= 1024) return `${(bytes / 1024).toFixed(1)} KiB`;
  return `${bytes} B`;
}
