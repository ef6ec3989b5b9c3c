/**
 * The on-disk format of demonstration datasets: one `.demos` file per task of a suite, by default
 * `data/demos/<suite>/task<id>.demos` (DESIGN.md "Datasets"; the caller chooses the path).
 *
 * Layout (all integers little-endian):
 *
 *   bytes 0..8        magic "SVLADEMO" (ASCII)
 *   bytes 8..12       u32 H, the byte length of the header
 *   bytes 12..16      u32 CRC-32 of the header bytes
 *   bytes 16..16+H    the header: UTF-8 JSON, `DemoFileHeader` below
 *   bytes 16+H..end   the data section: the episode records, back to back in index order
 *
 * The header names the file (format "simplevla-demos", version 1), the task (suite, taskId, task name,
 * instruction), the fixed shapes (image 128×128×3, action dim 7, proprio dim 9, wrist images or not), the
 * `simRevision` of the simulator and expert that made the episodes (optional: sim/revision.ts), the
 * `maxSteps` they were made under (optional: a generator's step limit per demo), and holds the index: per
 * episode its identity (init-state split and index, the sub-seed used, the retry number), its step count S,
 * its success flag, and where its record lies (byte offset from the start of the data section, byte length)
 * with the record's CRC-32. Suite, taskId and instruction are stored once, in the
 * header, and hold for every episode of the file. The file's size is exactly 16 + H + the sum of the
 * lengths, so a truncated file is detected on open, naming the first episode it cuts; a flipped bit is
 * detected when that episode is read (or by `DemoReader.verify()`), naming it.
 *
 * One episode record of S steps. Step t pairs the observation seen before action t with action t (as
 * LIBERO's HDF5 demos); the observation after the last action is not stored.
 *
 *   proprio   S·9 float64   per step Observation.proprio: finger qpos (2, m), TCP position (3, world m,
 *                           `grip_site`), hand quaternion (4, x y z w as robosuite). float64 so that the
 *                           stored pose is the simulator's value bit for bit (72 bytes a step: noise next to
 *                           the image).
 *   actions   S·7 float32   env actions [dx, dy, dz, ax, ay, az, g], gripper −1 open / +1 close
 *   images    S × image     agentview, 128×128×3 RGB, row 0 at the top
 *   wrist     S × image     only when the header says `wristImages: true`
 *
 * One image: u8 filter id, u32 byte length L, then L bytes of raw DEFLATE (RFC 1951) of the filtered
 * 49,152 pixel bytes. Filters are PNG's (RFC 2083 §6), applied to the whole image with the pixel to the
 * left a = 3 bytes back and the one above b = 384 bytes back (0 outside the image), differences mod 256:
 * 0 none, 2 up (x − b), 4 Paeth. Every frame is coded alone, so any step can be decoded without its
 * neighbours. Why "up" at level 6 is the writer's default: benchmarks/dataset.ts measures the lossless
 * candidates on 300 frames rendered while the arm moves (agentview bytes per frame: raw deflate 3,353,
 * up 2,557, Paeth 2,664, temporal delta 2,100, brotli 2,577; up at level 9 saves 5% for 3× the encode
 * time). All fit the budget of libero_10 trajall (10 tasks × 50 demos × ~300 steps, 1 GB: ≤ ~6.5 KB per
 * frame; up gives ≈ 0.4 GB), and coding frames alone keeps random access, which the temporal delta
 * (18% smaller) would give up.
 *
 * Appending episodes rewrites the file: the writer copies the old records (checked against their CRC) into
 * a new file. Every write goes to `<file>.tmp-<pid>`, is fsynced, then renamed over the old file, so an
 * interrupted writer leaves the old file (or no file) in place, never half a file. The same episodes and
 * options give byte-identical files (same Node/zlib).
 */
import { readdir } from "node:fs/promises";
import { join } from "node:path";
import zlib from "node:zlib";

export const DEMO_MAGIC = "SVLADEMO";
export const DEMO_FORMAT = "simplevla-demos";
export const DEMO_VERSION = 1;
/** Magic, header length and header CRC before the header JSON. */
export const PREAMBLE_BYTES = 16;

/** Env and datasets are always 128×128 RGB (DESIGN.md "Env API"). */
export const IMAGE_SIZE = 128;
export const IMAGE_CHANNELS = 3;
export const IMAGE_BYTES = IMAGE_SIZE * IMAGE_SIZE * IMAGE_CHANNELS;
export const ACTION_DIM = 7;
/** Observation.proprio: finger qpos (2), TCP position (3), hand quaternion x y z w (4). */
export const PROPRIO_DIM = 9;

export type Split = "train" | "heldout";

/** What a file is about: the same for every episode in it. */
export interface DemoFileMeta {
  suite: string;
  taskId: number;
  /** The task's name in its suite (LIBERO's BDDL file name without extension). */
  taskName: string;
  /** The language instruction given to the policy. */
  instruction: string;
  /** Whether every episode also stores the wrist camera's images. */
  wristImages: boolean;
  /**
   * The `SIM_REVISION` (sim/revision.ts) of the simulator and expert that made the episodes, when a
   * generator recorded it; demos of another revision are made again (src/demos/generate.ts).
   */
  simRevision?: number;
  /**
   * The step limit the episodes were made under, when a generator recorded it: an expert attempt that had
   * not reached the goal within this many counted steps was a failure (src/demos/generate.ts `maxSteps`).
   */
  maxSteps?: number;
}

/** One demonstration, as the expert writes it and SFT reads it. */
export interface DemoEpisode {
  suite: string;
  taskId: number;
  instruction: string;
  /** Init-state identity (DESIGN.md "Init states"). */
  split: Split;
  index: number;
  /** The 32-bit sub-seed the episode was made from. */
  seed: number;
  /** Retry number on this init state: 0 for the first try. */
  attempt: number;
  success: boolean;
  /** S images [128·128·3], agentview RGB, row 0 at the top. */
  images: Uint8Array[];
  /** S wrist images, present exactly when the file's `wristImages` is true. */
  wristImages?: Uint8Array[];
  /** [S·7] env actions, step-major. */
  actions: Float32Array;
  /** [S·9] Observation.proprio per step. */
  proprio: Float64Array;
}

/** One entry of the header's index. */
export interface EpisodeEntry {
  split: Split;
  index: number;
  seed: number;
  attempt: number;
  /** S, the number of steps */
  steps: number;
  success: boolean;
  /** bytes from the start of the data section (16 + H) */
  offset: number;
  length: number;
  /** CRC-32 of the record's bytes */
  crc32: number;
}

export interface DemoFileHeader {
  format: typeof DEMO_FORMAT;
  version: typeof DEMO_VERSION;
  suite: string;
  taskId: number;
  taskName: string;
  instruction: string;
  imageSize: number;
  imageChannels: number;
  actionDim: number;
  proprioDim: number;
  wristImages: boolean;
  /** absent in files written without a revision (hand-made datasets, files from before it existed) */
  simRevision?: number;
  /** absent where the writer did not record it (then the suite's step limit, as every generator before it) */
  maxSteps?: number;
  episodeCount: number;
  episodes: EpisodeEntry[];
}

/** The header JSON with its keys in a fixed order, so the same content gives the same bytes. */
export function headerJson(meta: DemoFileMeta, entries: EpisodeEntry[]): string {
  const header: DemoFileHeader = {
    format: DEMO_FORMAT,
    version: DEMO_VERSION,
    suite: meta.suite,
    taskId: meta.taskId,
    taskName: meta.taskName,
    instruction: meta.instruction,
    imageSize: IMAGE_SIZE,
    imageChannels: IMAGE_CHANNELS,
    actionDim: ACTION_DIM,
    proprioDim: PROPRIO_DIM,
    wristImages: meta.wristImages,
    ...(meta.simRevision === undefined ? {} : { simRevision: meta.simRevision }),
    ...(meta.maxSteps === undefined ? {} : { maxSteps: meta.maxSteps }),
    episodeCount: entries.length,
    episodes: entries.map((e) => ({
      split: e.split, index: e.index, seed: e.seed, attempt: e.attempt, steps: e.steps, success: e.success,
      offset: e.offset, length: e.length, crc32: e.crc32,
    })),
  };
  return JSON.stringify(header);
}

/** Checks the parsed header of `file` field by field; every error names the file and the field. */
export function checkHeader(value: unknown, file: string): DemoFileHeader {
  const h = value as Record<string, unknown>;
  if (typeof h !== "object" || h === null || Array.isArray(h)) throw new Error(`${file}: the header is not a JSON object.`);
  if (h.format !== DEMO_FORMAT) throw new Error(`${file}: header field 'format' is ${JSON.stringify(h.format)}; expected "${DEMO_FORMAT}".`);
  if (h.version !== DEMO_VERSION) {
    throw new Error(`${file}: format version ${JSON.stringify(h.version)} is not supported; this reader reads version ${DEMO_VERSION}.`);
  }
  const fixed: [string, unknown][] = [
    ["imageSize", IMAGE_SIZE], ["imageChannels", IMAGE_CHANNELS], ["actionDim", ACTION_DIM], ["proprioDim", PROPRIO_DIM],
  ];
  for (const [key, expected] of fixed) {
    if (h[key] !== expected) throw new Error(`${file}: header field '${key}' is ${JSON.stringify(h[key])}; this format has ${expected}.`);
  }
  for (const key of ["suite", "taskName", "instruction"]) {
    if (typeof h[key] !== "string") throw new Error(`${file}: header field '${key}' must be a string.`);
  }
  checkCount(h.taskId, `${file}: header field 'taskId'`);
  if (typeof h.wristImages !== "boolean") throw new Error(`${file}: header field 'wristImages' must be true or false.`);
  if (h.simRevision !== undefined) checkCount(h.simRevision, `${file}: header field 'simRevision'`);
  if (h.maxSteps !== undefined && (!Number.isSafeInteger(h.maxSteps) || (h.maxSteps as number) < 1)) {
    throw new Error(`${file}: header field 'maxSteps' must be a positive integer; got ${JSON.stringify(h.maxSteps)}.`);
  }
  if (!Array.isArray(h.episodes)) throw new Error(`${file}: header field 'episodes' must be an array.`);
  if (h.episodeCount !== h.episodes.length) {
    throw new Error(`${file}: header says episodeCount ${JSON.stringify(h.episodeCount)} but indexes ${h.episodes.length} episodes.`);
  }
  let next = 0;
  h.episodes.forEach((e: Record<string, unknown>, i: number) => {
    const where = `${file}: index entry of episode ${i}`;
    if (typeof e !== "object" || e === null) throw new Error(`${where} is not an object.`);
    if (e.split !== "train" && e.split !== "heldout") throw new Error(`${where}: 'split' must be "train" or "heldout".`);
    for (const key of ["index", "seed", "attempt", "steps", "offset", "length", "crc32"]) checkCount(e[key], `${where}: '${key}'`);
    if (typeof e.success !== "boolean") throw new Error(`${where}: 'success' must be true or false.`);
    if (e.offset !== next) throw new Error(`${where}: 'offset' is ${e.offset}; records are back to back, so it must be ${next}.`);
    next += e.length as number;
  });
  return h as unknown as DemoFileHeader;
}

/** A non-negative safe integer, or an error saying `what` must be one. */
export function checkCount(x: unknown, what: string): number {
  if (typeof x !== "number" || !Number.isSafeInteger(x) || x < 0) {
    throw new Error(`${what} must be a non-negative integer; got ${JSON.stringify(x)}.`);
  }
  return x;
}

/** CRC-32 (IEEE 802.3, as zlib and PNG), unsigned. Node ≥ 20.15 has it built in; older Nodes use the table. */
export function crc32(bytes: Uint8Array): number {
  const builtIn = (zlib as unknown as { crc32?: (b: Uint8Array) => number }).crc32;
  if (builtIn) return builtIn(bytes) >>> 0;
  let c = 0xffffffff;
  for (let i = 0; i < bytes.length; i++) c = CRC_TABLE[(c ^ bytes[i]) & 0xff] ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}

const CRC_TABLE = (() => {
  const t = new Uint32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    t[n] = c >>> 0;
  }
  return t;
})();

/** The default dataset root (DESIGN.md "Datasets"); a suite's files and statistics go in `<root>/<suite>/`. */
export const DEFAULT_DEMO_ROOT = "data/demos";

/** `<root>/<suite>/task<id>.demos`, the default path of a task's demos. */
export function demoFilePath(root: string, suite: string, taskId: number): string {
  return join(root, suite, `task${taskId}.demos`);
}

/** The `task<id>.demos` files of a suite directory, by task id (task2 before task10). */
export async function listDemoFiles(suiteDir: string): Promise<string[]> {
  const names = await readdir(suiteDir).catch((err: NodeJS.ErrnoException) => {
    throw new Error(err.code === "ENOENT" ? `Demo directory ${suiteDir} does not exist; generate the demos first.` : `Cannot list ${suiteDir}: ${err.message}`);
  });
  return names
    .map((name) => ({ name, id: /^task(\d+)\.demos$/.exec(name)?.[1] }))
    .filter((f) => f.id !== undefined)
    .sort((a, b) => Number(a.id) - Number(b.id))
    .map((f) => join(suiteDir, f.name));
}
