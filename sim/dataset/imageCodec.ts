/**
 * Lossless coding of one 128×128 RGB frame: a PNG prediction filter over the whole image, then raw DEFLATE.
 *
 * The filters are PNG's (RFC 2083 §6.6) with one filter for the whole image instead of one per row. With a
 * the byte one pixel to the left (3 bytes back), b the byte one row up (384 bytes back) and c the one up and
 * left, each 0 outside the image, the stored byte is (x − predictor) mod 256:
 *   none   predictor 0
 *   up     predictor b        (rendered frames: large flat regions repeat row after row)
 *   Paeth  predictor whichever of a, b, c is closest to a + b − c (ties in the order a, b, c)
 * Decoding adds the predictor back, in raster order, so each byte's neighbours are already decoded.
 */
import zlib from "node:zlib";
import { IMAGE_BYTES, IMAGE_CHANNELS, IMAGE_SIZE } from "./format.ts";

export const IMAGE_FILTERS = { none: 0, up: 2, paeth: 4 } as const;
export type ImageFilter = keyof typeof IMAGE_FILTERS;

const ROW = IMAGE_SIZE * IMAGE_CHANNELS; // bytes per image row
const LEFT = IMAGE_CHANNELS; // bytes per pixel

/** PNG's Paeth predictor of a (left), b (up), c (up-left). */
export function paethPredictor(a: number, b: number, c: number): number {
  const p = a + b - c;
  const pa = Math.abs(p - a);
  const pb = Math.abs(p - b);
  const pc = Math.abs(p - c);
  if (pa <= pb && pa <= pc) return a;
  return pb <= pc ? b : c;
}

/** The filtered bytes of `image` [128·128·3]. */
export function applyFilter(image: Uint8Array, filter: ImageFilter): Uint8Array {
  const out = new Uint8Array(IMAGE_BYTES);
  if (filter === "none") {
    out.set(image);
  } else if (filter === "up") {
    out.set(image.subarray(0, ROW));
    for (let i = ROW; i < IMAGE_BYTES; i++) out[i] = (image[i] - image[i - ROW]) & 0xff;
  } else {
    for (let i = 0; i < IMAGE_BYTES; i++) out[i] = (image[i] - predict(image, i)) & 0xff;
  }
  return out;
}

/** Inverse of `applyFilter`. */
export function removeFilter(filtered: Uint8Array, filter: ImageFilter): Uint8Array {
  const out = new Uint8Array(IMAGE_BYTES);
  if (filter === "none") {
    out.set(filtered);
  } else if (filter === "up") {
    out.set(filtered.subarray(0, ROW));
    for (let i = ROW; i < IMAGE_BYTES; i++) out[i] = (filtered[i] + out[i - ROW]) & 0xff;
  } else {
    for (let i = 0; i < IMAGE_BYTES; i++) out[i] = (filtered[i] + predict(out, i)) & 0xff;
  }
  return out;
}

/** Paeth prediction of byte i from already known bytes of `image`. */
function predict(image: Uint8Array, i: number): number {
  const hasLeft = i % ROW >= LEFT;
  const hasUp = i >= ROW;
  const a = hasLeft ? image[i - LEFT] : 0;
  const b = hasUp ? image[i - ROW] : 0;
  const c = hasLeft && hasUp ? image[i - ROW - LEFT] : 0;
  return paethPredictor(a, b, c);
}

/** Filter, then raw DEFLATE at `level` (0–9). */
export function encodeImage(image: Uint8Array, filter: ImageFilter, level: number): Buffer {
  return zlib.deflateRawSync(applyFilter(image, filter), { level });
}

/**
 * Inflates and unfilters one image; `where` names the file and episode for the error of a damaged image
 * (which the record's CRC normally catches first).
 */
export function decodeImage(bytes: Uint8Array, filterId: number, where: string): Uint8Array {
  const filter = filterName(filterId, where);
  let filtered: Buffer;
  try {
    filtered = zlib.inflateRawSync(bytes);
  } catch (err) {
    throw new Error(`${where}: an image does not inflate (${(err as Error).message}); the file is corrupt, regenerate it.`);
  }
  if (filtered.length !== IMAGE_BYTES) {
    throw new Error(`${where}: an image inflates to ${filtered.length} bytes instead of ${IMAGE_BYTES}; the file is corrupt, regenerate it.`);
  }
  return removeFilter(filtered, filter);
}

function filterName(id: number, where: string): ImageFilter {
  for (const [name, value] of Object.entries(IMAGE_FILTERS)) if (value === id) return name as ImageFilter;
  throw new Error(`${where}: unknown image filter id ${id}; this format knows 0 (none), 2 (up) and 4 (Paeth).`);
}
