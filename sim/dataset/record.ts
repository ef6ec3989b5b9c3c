/**
 * One episode record of a `.demos` file to and from bytes (layout in format.ts): proprio [S·9] float64,
 * actions [S·7] float32, then S agentview images and, when the file has them, S wrist images, each as
 * (u8 filter id, u32 length, DEFLATE bytes). Numbers are written little-endian through a DataView, so the
 * bytes do not depend on the machine and need no alignment.
 */
import {
  ACTION_DIM, IMAGE_BYTES, PROPRIO_DIM, checkCount,
  type DemoEpisode, type DemoFileHeader, type DemoFileMeta, type EpisodeEntry,
} from "./format.ts";
import { IMAGE_FILTERS, decodeImage, encodeImage, type ImageFilter } from "./imageCodec.ts";

export interface RecordOptions {
  filter: ImageFilter;
  /** DEFLATE level 0–9 */
  level: number;
}

/** The writer's defaults, chosen by benchmarks/dataset.ts: 'up' at level 6. */
export function defaultRecordOptions(): RecordOptions {
  return { filter: "up", level: 6 };
}

/** Checks an episode against the file it goes into; every error names the episode's field. */
export function checkEpisode(ep: DemoEpisode, meta: DemoFileMeta, where: string): number {
  if (ep.suite !== meta.suite || ep.taskId !== meta.taskId) {
    throw new Error(`${where}: the episode is for ${ep.suite} task ${ep.taskId}, but the file holds ${meta.suite} task ${meta.taskId}.`);
  }
  if (ep.instruction !== meta.instruction) {
    throw new Error(`${where}: the episode's instruction "${ep.instruction}" differs from the file's "${meta.instruction}".`);
  }
  if (ep.split !== "train" && ep.split !== "heldout") throw new Error(`${where}: 'split' must be "train" or "heldout"; got ${JSON.stringify(ep.split)}.`);
  checkCount(ep.index, `${where}: 'index'`);
  checkCount(ep.attempt, `${where}: 'attempt'`);
  if (checkCount(ep.seed, `${where}: 'seed'`) > 0xffffffff) throw new Error(`${where}: 'seed' must be a 32-bit unsigned sub-seed; got ${ep.seed}.`);
  if (typeof ep.success !== "boolean") throw new Error(`${where}: 'success' must be true or false.`);
  const steps = ep.images.length;
  if (steps === 0) throw new Error(`${where}: an episode needs at least one step; 'images' is empty.`);
  if (!(ep.actions instanceof Float32Array) || ep.actions.length !== steps * ACTION_DIM) {
    throw new Error(`${where}: 'actions' must be a Float32Array of ${steps}·${ACTION_DIM} values (one action per image); got ${ep.actions?.length}.`);
  }
  if (!(ep.proprio instanceof Float64Array) || ep.proprio.length !== steps * PROPRIO_DIM) {
    throw new Error(`${where}: 'proprio' must be a Float64Array of ${steps}·${PROPRIO_DIM} values (one per image); got ${ep.proprio?.length}.`);
  }
  for (let i = 0; i < ep.actions.length; i++) {
    if (!Number.isFinite(ep.actions[i])) throw new Error(`${where}: action ${Math.floor(i / ACTION_DIM)} dim ${i % ACTION_DIM} is ${ep.actions[i]}; actions must be finite.`);
  }
  for (let i = 0; i < ep.proprio.length; i++) {
    if (!Number.isFinite(ep.proprio[i])) throw new Error(`${where}: proprio of step ${Math.floor(i / PROPRIO_DIM)} has ${ep.proprio[i]}; it must be finite.`);
  }
  checkImages(ep.images, steps, "images", where);
  if (meta.wristImages) {
    if (!ep.wristImages) throw new Error(`${where}: the file stores wrist images, but the episode has no 'wristImages'.`);
    checkImages(ep.wristImages, steps, "wristImages", where);
  } else if (ep.wristImages) {
    throw new Error(`${where}: the episode has 'wristImages', but the file was opened with wristImages: false.`);
  }
  return steps;
}

function checkImages(images: Uint8Array[], steps: number, field: string, where: string): void {
  if (images.length !== steps) throw new Error(`${where}: '${field}' has ${images.length} images; the episode has ${steps} steps.`);
  images.forEach((img, t) => {
    if (!(img instanceof Uint8Array) || img.length !== IMAGE_BYTES) {
      throw new Error(`${where}: '${field}'[${t}] must be a Uint8Array of 128·128·3 = ${IMAGE_BYTES} bytes; got ${img?.length}.`);
    }
  });
}

/** The record's bytes. The episode must have passed `checkEpisode`. */
export function encodeRecord(ep: DemoEpisode, opts: RecordOptions): Buffer {
  const steps = ep.images.length;
  const numbers = Buffer.alloc(steps * (PROPRIO_DIM * 8 + ACTION_DIM * 4));
  const view = new DataView(numbers.buffer, numbers.byteOffset, numbers.length);
  let at = 0;
  for (let i = 0; i < ep.proprio.length; i++, at += 8) view.setFloat64(at, ep.proprio[i], true);
  for (let i = 0; i < ep.actions.length; i++, at += 4) view.setFloat32(at, ep.actions[i], true);
  const parts: Buffer[] = [numbers];
  for (const img of [...ep.images, ...(ep.wristImages ?? [])]) {
    const bytes = encodeImage(img, opts.filter, opts.level);
    const head = Buffer.alloc(5);
    head.writeUInt8(IMAGE_FILTERS[opts.filter], 0);
    head.writeUInt32LE(bytes.length, 1);
    parts.push(head, bytes);
  }
  return Buffer.concat(parts);
}

export interface DecodeOptions {
  /** Decode the images (default true); false gives empty image arrays, for statistics over actions. */
  images?: boolean;
}

/** One image as stored: filter id and raw DEFLATE bytes; `decodeEncodedImage` gives its pixels. */
export interface EncodedImage {
  filter: number;
  bytes: Uint8Array;
}

/**
 * An episode whose images are still compressed (≈ 2.5 KB instead of 48 KB each), for a loader that keeps a
 * whole suite in memory and decodes the frames of each batch.
 */
export type EncodedDemoEpisode = Omit<DemoEpisode, "images" | "wristImages"> & {
  images: EncodedImage[];
  wristImages?: EncodedImage[];
};

/** The pixels [128·128·3] of a stored image; `where` names its origin in errors. */
export function decodeEncodedImage(image: EncodedImage, where = "demo image"): Uint8Array {
  return decodeImage(image.bytes, image.filter, where);
}

/** Splits a record whose CRC has been checked into its numbers and its still-compressed images. */
export function parseRecord(bytes: Buffer, entry: EpisodeEntry, header: DemoFileHeader, where: string): EncodedDemoEpisode {
  const steps = entry.steps;
  const numbersBytes = steps * (PROPRIO_DIM * 8 + ACTION_DIM * 4);
  if (bytes.length < numbersBytes) throw new Error(`${where}: the record is shorter than its ${steps} steps of numbers; the file is corrupt.`);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.length);
  const proprio = new Float64Array(steps * PROPRIO_DIM); // [S·9]
  const actions = new Float32Array(steps * ACTION_DIM); // [S·7]
  let at = 0;
  for (let i = 0; i < proprio.length; i++, at += 8) proprio[i] = view.getFloat64(at, true);
  for (let i = 0; i < actions.length; i++, at += 4) actions[i] = view.getFloat32(at, true);
  const readImages = (): EncodedImage[] => {
    const images: EncodedImage[] = [];
    for (let t = 0; t < steps; t++) {
      if (at + 5 > bytes.length) throw new Error(`${where}: the record ends before image ${t}; the file is corrupt.`);
      const filter = bytes.readUInt8(at);
      const length = bytes.readUInt32LE(at + 1);
      at += 5;
      if (at + length > bytes.length) throw new Error(`${where}: image ${t} runs past the end of the record; the file is corrupt.`);
      images.push({ filter, bytes: bytes.subarray(at, at + length) });
      at += length;
    }
    return images;
  };
  const images = readImages();
  const wristImages = header.wristImages ? readImages() : undefined;
  if (at !== bytes.length) throw new Error(`${where}: ${bytes.length - at} bytes are left after the last image; the file is corrupt.`);
  return {
    suite: header.suite, taskId: header.taskId, instruction: header.instruction,
    split: entry.split, index: entry.index, seed: entry.seed, attempt: entry.attempt, success: entry.success,
    images, wristImages, actions, proprio,
  };
}

/** The decoded episode of a record whose CRC has been checked. */
export function decodeRecord(
  bytes: Buffer, entry: EpisodeEntry, header: DemoFileHeader, where: string, opts: DecodeOptions = {},
): DemoEpisode {
  const { images, wristImages, ...rest } = parseRecord(bytes, entry, header, where);
  const decode = (list: EncodedImage[]) => (opts.images === false ? [] : list.map((img) => decodeEncodedImage(img, where)));
  return wristImages ? { ...rest, images: decode(images), wristImages: decode(wristImages) } : { ...rest, images: decode(images) };
}
