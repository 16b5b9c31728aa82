import { PNG } from 'pngjs';

/**
 * The confusion matrix as a PNG heat map: one square per (true, predicted) cell, shaded by the
 * share of that true class, correct cells in green and errors in red, rows in class order
 * (the order is in the report's `confusion.labels`). No text: labels travel in the JSON.
 */
export function renderConfusionPng(matrix: readonly (readonly number[])[], cellSize = 24): Uint8Array {
  const classes = matrix.length;
  const margin = 4;
  const size = classes * cellSize + margin * 2;
  const png = new PNG({ width: size, height: size });
  png.data.fill(255);
  matrix.forEach((row, r) => {
    const total = row.reduce((a, b) => a + b, 0);
    row.forEach((count, c) => {
      const share = total ? count / total : 0;
      const shade = Math.round(255 * (1 - share));
      const color = r === c ? [shade, 255 - Math.round((255 - shade) * 0.4), shade] : [255, shade, shade];
      for (let y = 1; y < cellSize - 1; y++) {
        for (let x = 1; x < cellSize - 1; x++) {
          const at = ((margin + r * cellSize + y) * size + margin + c * cellSize + x) * 4;
          png.data[at] = color[0] ?? 0;
          png.data[at + 1] = color[1] ?? 0;
          png.data[at + 2] = color[2] ?? 0;
          png.data[at + 3] = 255;
        }
      }
    });
  });
  return new Uint8Array(PNG.sync.write(png));
}
