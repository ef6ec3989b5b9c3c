/**
 * Streaming reader of a `.demos` file (format.ts): `open` reads only the preamble and the header; each
 * episode is read by its offset and decoded on demand, so a file of any size is read one episode at a time.
 *
 *   const reader = await DemoReader.open("data/demos/libero_10/task3.demos");
 *   try {
 *     for await (const ep of reader.episodes()) use(ep);
 *   } finally {
 *     await reader.close();
 *   }
 *
 * Every damage is an error naming the file and, where one is concerned, the episode: a wrong magic, a
 * header failing its CRC or its checks, a file shorter or longer than its index says (on open), a record
 * failing its CRC (when it is read).
 */
import { open, type FileHandle } from "node:fs/promises";
import {
  DEMO_MAGIC, PREAMBLE_BYTES, checkHeader, crc32,
  type DemoEpisode, type DemoFileHeader, type DemoFileMeta,
} from "./format.ts";
import { decodeRecord, parseRecord, type DecodeOptions, type EncodedDemoEpisode } from "./record.ts";

export class DemoReader {
  readonly path: string;
  readonly header: DemoFileHeader;
  private readonly handle: FileHandle;
  /** Byte position of the data section: 16 + header length. */
  private readonly dataStart: number;

  private constructor(path: string, handle: FileHandle, header: DemoFileHeader, dataStart: number) {
    this.path = path;
    this.handle = handle;
    this.header = header;
    this.dataStart = dataStart;
  }

  /** Opens `path` and checks its preamble, header and size. */
  static async open(path: string): Promise<DemoReader> {
    let handle: FileHandle;
    try {
      handle = await open(path, "r");
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      throw new Error(code === "ENOENT"
        ? `Demo file ${path} does not exist; generate the demos first (default location data/demos/<suite>/task<id>.demos).`
        : `Demo file ${path} cannot be opened: ${(err as Error).message}`);
    }
    try {
      const { size } = await handle.stat();
      const preamble = await readExactly(handle, 0, Math.min(PREAMBLE_BYTES, size));
      if (preamble.length < PREAMBLE_BYTES || preamble.toString("latin1", 0, 8) !== DEMO_MAGIC) {
        throw new Error(`${path} is not a demo file: it does not start with "${DEMO_MAGIC}".`);
      }
      const headerLength = preamble.readUInt32LE(8);
      const headerCrc = preamble.readUInt32LE(12);
      const dataStart = PREAMBLE_BYTES + headerLength;
      if (dataStart > size) throw new Error(`${path} is truncated inside its header (${size} bytes, the header ends at byte ${dataStart}); regenerate the file.`);
      const headerBytes = await readExactly(handle, PREAMBLE_BYTES, headerLength);
      if (crc32(headerBytes) !== headerCrc) throw new Error(`${path}: the header fails its CRC-32 check; the file is corrupt, regenerate it.`);
      let parsed: unknown;
      try {
        parsed = JSON.parse(headerBytes.toString("utf8"));
      } catch (err) {
        throw new Error(`${path}: the header is not valid JSON (${(err as Error).message}).`);
      }
      const header = checkHeader(parsed, path);
      checkSize(path, header, dataStart, size);
      return new DemoReader(path, handle, header, dataStart);
    } catch (err) {
      await handle.close();
      throw err;
    }
  }

  get episodeCount(): number {
    return this.header.episodeCount;
  }

  /** What the file is about (the writer's `meta`). */
  get meta(): DemoFileMeta {
    const h = this.header;
    return {
      suite: h.suite, taskId: h.taskId, taskName: h.taskName, instruction: h.instruction, wristImages: h.wristImages,
      ...(h.simRevision === undefined ? {} : { simRevision: h.simRevision }),
      ...(h.maxSteps === undefined ? {} : { maxSteps: h.maxSteps }),
    };
  }

  /** The raw bytes of episode `i`'s record, checked against its CRC-32. */
  async readRecord(i: number): Promise<Buffer> {
    if (!Number.isInteger(i) || i < 0 || i >= this.episodeCount) {
      throw new Error(`${this.path} has episodes 0..${this.episodeCount - 1}; episode ${i} does not exist.`);
    }
    const entry = this.header.episodes[i];
    const bytes = await readExactly(this.handle, this.dataStart + entry.offset, entry.length);
    if (bytes.length !== entry.length) throw new Error(`${this.path}: episode ${i} is truncated (${bytes.length} of ${entry.length} bytes); regenerate the file.`);
    const crc = crc32(bytes);
    if (crc !== entry.crc32) {
      throw new Error(`${this.path}: episode ${i} fails its CRC-32 check (stored ${hex(entry.crc32)}, computed ${hex(crc)}); the file is corrupt, regenerate it.`);
    }
    return bytes;
  }

  /** Episode `i`, decoded (`{ images: false }` skips the images, for statistics). */
  async readEpisode(i: number, opts: DecodeOptions = {}): Promise<DemoEpisode> {
    const bytes = await this.readRecord(i);
    return decodeRecord(bytes, this.header.episodes[i], this.header, `${this.path}: episode ${i}`, opts);
  }

  /** Episode `i` with its images left compressed (`decodeEncodedImage` decodes one). */
  async readEncodedEpisode(i: number): Promise<EncodedDemoEpisode> {
    const bytes = await this.readRecord(i);
    return parseRecord(bytes, this.header.episodes[i], this.header, `${this.path}: episode ${i}`);
  }

  /** The episodes in file order, one decoded at a time. */
  async *episodes(opts: DecodeOptions = {}): AsyncGenerator<DemoEpisode> {
    for (let i = 0; i < this.episodeCount; i++) yield await this.readEpisode(i, opts);
  }

  /** Checks every record's CRC-32 without decoding; throws at the first bad episode. */
  async verify(): Promise<void> {
    for (let i = 0; i < this.episodeCount; i++) await this.readRecord(i);
  }

  async close(): Promise<void> {
    await this.handle.close();
  }
}

/** The file must end exactly where its last record does. */
function checkSize(path: string, header: DemoFileHeader, dataStart: number, size: number): void {
  const entries = header.episodes;
  const end = dataStart + entries.reduce((sum, e) => sum + e.length, 0);
  if (size < end) {
    const cut = entries.findIndex((e) => dataStart + e.offset + e.length > size);
    throw new Error(`${path} is truncated: it has ${size} bytes, but episode ${cut} ends at byte ${dataStart + entries[cut].offset + entries[cut].length}; regenerate the file.`);
  }
  if (size > end) throw new Error(`${path} has ${size - end} bytes after its last episode (expected ${end} bytes in all); the file is corrupt, regenerate it.`);
}

/** Up to `length` bytes from `position` (fewer only at the end of the file). */
async function readExactly(handle: FileHandle, position: number, length: number): Promise<Buffer> {
  const buffer = Buffer.alloc(length);
  let filled = 0;
  while (filled < length) {
    const { bytesRead } = await handle.read(buffer, filled, length - filled, position + filled);
    if (bytesRead === 0) break;
    filled += bytesRead;
  }
  return filled === length ? buffer : buffer.subarray(0, filled);
}

function hex(x: number): string {
  return `0x${x.toString(16).padStart(8, "0")}`;
}
