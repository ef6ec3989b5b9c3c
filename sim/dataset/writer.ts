/**
 * Writer of a `.demos` file (format.ts). Episodes are encoded as they are added and held in memory, already
 * compressed (≈ 0.5–2 MB per 300-step episode, so a task of 50 demos stays well under 100 MB); `close()`
 * writes the whole file atomically (atomicWrite.ts). Until `close()` returns, the file on disk is the old
 * one: an aborted or crashed writer changes nothing.
 *
 * Appending (`{ append: true }`) rewrites the file: the old records are read back, checked against their
 * CRC-32 and copied byte for byte ahead of the new ones, then the whole file is replaced as above. Files are
 * per task, so this costs one read and one write of one task's demos.
 *
 *   const writer = await DemoWriter.open("data/demos/libero_10/task3.demos", meta);
 *   for (...) await writer.addEpisode(episode);
 *   await writer.close();
 */
import { existsSync } from "node:fs";
import { resolve } from "node:path";
import { writeFileAtomic } from "./atomicWrite.ts";
import {
  DEMO_MAGIC, PREAMBLE_BYTES, crc32, headerJson,
  type DemoEpisode, type DemoFileHeader, type DemoFileMeta, type EpisodeEntry,
} from "./format.ts";
import { DemoReader } from "./reader.ts";
import { checkEpisode, defaultRecordOptions, encodeRecord, type RecordOptions } from "./record.ts";
import { IMAGE_FILTERS } from "./imageCodec.ts";

export interface DemoWriterOptions extends RecordOptions {
  /** Keep the episodes already in the file and add after them (default false: replace the file). */
  append: boolean;
}

export function defaultDemoWriterOptions(): DemoWriterOptions {
  return { ...defaultRecordOptions(), append: false };
}

/** Paths with a writer open in this process: two would share one temporary file. */
const openPaths = new Set<string>();

export class DemoWriter {
  readonly path: string;
  readonly meta: DemoFileMeta;
  private readonly options: DemoWriterOptions;
  private readonly records: Buffer[] = [];
  private readonly entries: EpisodeEntry[] = [];
  private bytes = 0;
  private state: "open" | "closed" | "aborted" = "open";

  private constructor(path: string, meta: DemoFileMeta, options: DemoWriterOptions) {
    this.path = path;
    this.meta = { ...meta };
    this.options = options;
  }

  /** Starts a file for one task; with `append`, an existing file's episodes are kept (its meta must match). */
  static async open(path: string, meta: DemoFileMeta, options: Partial<DemoWriterOptions> = {}): Promise<DemoWriter> {
    const opts = { ...defaultDemoWriterOptions(), ...options };
    checkMeta(meta, path);
    if (!(opts.filter in IMAGE_FILTERS)) throw new Error(`DemoWriter option 'filter' is "${opts.filter}"; use one of ${Object.keys(IMAGE_FILTERS).join(", ")}.`);
    if (!Number.isInteger(opts.level) || opts.level < 0 || opts.level > 9) throw new Error(`DemoWriter option 'level' is ${opts.level}; DEFLATE levels are integers 0..9.`);
    const key = resolve(path);
    if (openPaths.has(key)) throw new Error(`A DemoWriter for ${path} is already open in this process; close it before opening another.`);
    const writer = new DemoWriter(path, meta, opts);
    if (opts.append && existsSync(path)) await writer.copyExisting();
    openPaths.add(key);
    return writer;
  }

  /** Episodes in the file so far (kept ones included). */
  get episodeCount(): number {
    return this.entries.length;
  }

  /** Encodes `ep` and queues it; nothing reaches the disk before `close()`. */
  async addEpisode(ep: DemoEpisode): Promise<void> {
    this.checkOpen("addEpisode");
    const steps = checkEpisode(ep, this.meta, `${this.path}: episode ${this.entries.length}`);
    const record = encodeRecord(ep, this.options);
    this.push(record, {
      split: ep.split, index: ep.index, seed: ep.seed, attempt: ep.attempt, steps, success: ep.success,
      offset: 0, length: 0, crc32: 0,
    });
  }

  /** Writes the file atomically and returns its header. */
  async close(): Promise<DemoFileHeader> {
    this.checkOpen("close");
    const json = Buffer.from(headerJson(this.meta, this.entries), "utf8");
    const preamble = Buffer.alloc(PREAMBLE_BYTES);
    preamble.write(DEMO_MAGIC, 0, "latin1");
    preamble.writeUInt32LE(json.length, 8);
    preamble.writeUInt32LE(crc32(json), 12);
    try {
      await writeFileAtomic(this.path, [preamble, json, ...this.records]);
    } finally {
      this.release("closed");
    }
    return JSON.parse(json.toString("utf8")) as DemoFileHeader;
  }

  /** Drops everything added; the file on disk stays as it was. */
  async abort(): Promise<void> {
    if (this.state === "open") this.release("aborted");
  }

  private push(record: Buffer, entry: EpisodeEntry): void {
    this.entries.push({ ...entry, offset: this.bytes, length: record.length, crc32: crc32(record) });
    this.records.push(record);
    this.bytes += record.length;
  }

  private async copyExisting(): Promise<void> {
    const reader = await DemoReader.open(this.path);
    try {
      const old = reader.meta;
      for (const key of ["suite", "taskId", "taskName", "instruction", "wristImages", "simRevision", "maxSteps"] as const) {
        if (old[key] !== this.meta[key]) {
          throw new Error(`Cannot append to ${this.path}: its '${key}' is ${JSON.stringify(old[key])}, the new episodes' is ${JSON.stringify(this.meta[key])}.`);
        }
      }
      for (let i = 0; i < reader.episodeCount; i++) this.push(await reader.readRecord(i), reader.header.episodes[i]);
    } finally {
      await reader.close();
    }
  }

  private checkOpen(what: string): void {
    if (this.state !== "open") throw new Error(`DemoWriter for ${this.path}: ${what}() after the writer was ${this.state}.`);
  }

  private release(state: "closed" | "aborted"): void {
    this.state = state;
    this.records.length = 0;
    openPaths.delete(resolve(this.path));
  }
}

function checkMeta(meta: DemoFileMeta, path: string): void {
  for (const key of ["suite", "taskName", "instruction"] as const) {
    if (typeof meta[key] !== "string" || meta[key].length === 0) throw new Error(`DemoWriter for ${path}: meta.${key} must be a non-empty string.`);
  }
  if (!Number.isSafeInteger(meta.taskId) || meta.taskId < 0) throw new Error(`DemoWriter for ${path}: meta.taskId must be a non-negative integer; got ${meta.taskId}.`);
  if (typeof meta.wristImages !== "boolean") throw new Error(`DemoWriter for ${path}: meta.wristImages must be true or false.`);
  if (meta.simRevision !== undefined && (!Number.isSafeInteger(meta.simRevision) || meta.simRevision < 0)) {
    throw new Error(`DemoWriter for ${path}: meta.simRevision must be a non-negative integer; got ${meta.simRevision}.`);
  }
  if (meta.maxSteps !== undefined && (!Number.isSafeInteger(meta.maxSteps) || meta.maxSteps < 1)) {
    throw new Error(`DemoWriter for ${path}: meta.maxSteps must be a positive integer; got ${meta.maxSteps}.`);
  }
}
