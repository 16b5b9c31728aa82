import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';

export interface VideoDevice {
  device: string;
  name: string;
  /** What `ffmpeg -f v4l2 -list_formats all` reports (pixel formats and sizes), when asked. */
  formats: string[];
}

/**
 * V4L2 capture devices from sysfs (`/sys/class/video4linux/videoN/name`). With `ffmpegPath`, each
 * device's formats are listed through `ffmpeg -f v4l2 -list_formats all`. No devices → [].
 */
export function listVideoDevices(options: { sysfsDir?: string; devDir?: string; ffmpegPath?: string } = {}): VideoDevice[] {
  const sysfs = options.sysfsDir ?? '/sys/class/video4linux';
  const dev = options.devDir ?? '/dev';
  if (!existsSync(sysfs)) return [];
  return readdirSync(sysfs)
    .filter((entry) => /^video\d+$/.test(entry))
    .sort((a, b) => Number(a.slice(5)) - Number(b.slice(5)))
    .map((entry) => {
      let name = entry;
      try {
        name = readFileSync(join(sysfs, entry, 'name'), 'utf8').trim() || entry;
      } catch {
        // a device without a name file keeps its node name
      }
      const device = join(dev, entry);
      return { device, name, formats: options.ffmpegPath ? listFormats(options.ffmpegPath, device) : [] };
    });
}

function listFormats(ffmpegPath: string, device: string): string[] {
  const result = spawnSync(ffmpegPath, ['-hide_banner', '-f', 'v4l2', '-list_formats', 'all', '-i', device], { encoding: 'utf8', timeout: 5000 });
  return `${result.stderr ?? ''}`
    .split('\n')
    .filter((l) => /(Raw|Compressed)\s*:/.test(l))
    .map((l) => l.replace(/^\[[^\]]*\]\s*/, '').trim());
}
