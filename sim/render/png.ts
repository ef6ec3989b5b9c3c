/**
 * PNG files of rendered frames (RGB, row 0 at the top, as the rasterizer returns them), via pngjs.
 * Files are written atomically: to a temporary name beside the target, then renamed, so a reader never sees a
 * half-written image.
 */
import { renameSync, writeFileSync } from "node:fs";
import { PNG } from "pngjs";

/** Encodes an RGB image ([H, W, 3] bytes, row 0 at the top) as an 8-bit RGB PNG. */
export function encodePng(rgb: Uint8Array, width: number, height: number): Buffer {
  if (!Number.isInteger(width) || !Number.isInteger(height) || width <= 0 || height <= 0) {
    throw new Error(`encodePng: width and height must be positive whole numbers, got ${width}×${height}.`);
  }
  if (rgb.length !== width * height * 3) {
    throw new Error(`encodePng: rgb has ${rgb.length} bytes; a ${width}×${height} RGB image needs ${width * height * 3}.`);
  }
  const png = new PNG({ width, height, colorType: 2, inputColorType: 2, inputHasAlpha: false });
  png.data = Buffer.from(rgb.buffer, rgb.byteOffset, rgb.length);
  return PNG.sync.write(png, { colorType: 2, inputColorType: 2, inputHasAlpha: false });
}

/** Writes an RGB image to `path` as PNG, atomically (temporary file + rename). */
export function writePng(path: string, rgb: Uint8Array, width: number, height: number): void {
  const bytes = encodePng(rgb, width, height);
  const tmp = `${path}.tmp-${process.pid}-${Date.now()}`;
  writeFileSync(tmp, bytes);
  renameSync(tmp, path);
}
