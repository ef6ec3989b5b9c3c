/**
 * The binary tensor format of checkpoints: named float arrays packed into files of bounded size.
 *
 * One shard file = "SVLATNS1" (8 bytes) | header length n (uint32 LE) | header JSON (n bytes, UTF-8) |
 * zero padding to a multiple of 8 | data. The header lists records {name, dtype, shape, start, count,
 * offset}: elements [start, start + count) of the flattened tensor `name`, stored at byte `offset` of the
 * data section, little-endian. A tensor larger than a shard is split over several records (and files).
 * Integrity is checked by the checkpoint manifest's SHA-256 of each file, not here.
 */
import { fromBfloat16, toBfloat16 } from "./bfloat16.ts";

export type StoredDtype = "float32" | "bfloat16";

/** One named tensor to store. */
export interface NamedArray {
  name: string;
  shape: number[];
  values: Float32Array;
}

interface ShardRecord {
  name: string;
  dtype: StoredDtype;
  shape: number[];
  start: number;
  count: number;
  offset: number;
}

const MAGIC = "SVLATNS1";

function bytesPer(dtype: StoredDtype): number {
  return dtype === "float32" ? 4 : 2;
}

/**
 * Packs `arrays` (in order) into shard files of at most `maxFileBytes` bytes each (header included).
 * Deterministic: the same arrays give the same bytes.
 */
export function packShards(arrays: NamedArray[], dtype: StoredDtype, maxFileBytes: number): Uint8Array[] {
  // Room for the header: a generous bound per record, so a shard never outgrows its budget.
  const headerBound = (records: number) => 16 + 256 + records * 200;
  const shards: { records: ShardRecord[]; chunks: Uint8Array[]; dataBytes: number }[] = [];
  let current = { records: [] as ShardRecord[], chunks: [] as Uint8Array[], dataBytes: 0 };
  const bpe = bytesPer(dtype);
  for (const a of arrays) {
    const encoded = dtype === "float32" ? new Uint8Array(a.values.buffer.slice(a.values.byteOffset, a.values.byteOffset + a.values.byteLength)) : new Uint8Array(toBfloat16(a.values).buffer);
    let start = 0;
    while (start < a.values.length || (a.values.length === 0 && start === 0)) {
      const room = maxFileBytes - headerBound(current.records.length + 1) - current.dataBytes;
      const count = Math.min(a.values.length - start, Math.floor(room / bpe / 2) * 2);
      if (count <= 0 && a.values.length > 0) {
        if (current.records.length === 0) throw new Error(`maxFileBytes ${maxFileBytes} is too small to hold any data.`);
        shards.push(current);
        current = { records: [], chunks: [], dataBytes: 0 };
        continue;
      }
      const bytes = encoded.subarray(start * bpe, (start + count) * bpe);
      current.records.push({ name: a.name, dtype, shape: a.shape, start, count, offset: current.dataBytes });
      current.chunks.push(bytes);
      current.dataBytes += Math.ceil(bytes.length / 8) * 8;
      start += count;
      if (a.values.length === 0) break;
    }
  }
  if (current.records.length > 0 || shards.length === 0) shards.push(current);
  return shards.map((s) => {
    const header = new TextEncoder().encode(JSON.stringify({ records: s.records }));
    const dataStart = Math.ceil((12 + header.length) / 8) * 8;
    const out = new Uint8Array(dataStart + s.dataBytes);
    out.set(new TextEncoder().encode(MAGIC), 0);
    new DataView(out.buffer).setUint32(8, header.length, true);
    out.set(header, 12);
    s.chunks.forEach((c, i) => out.set(c, dataStart + s.records[i].offset));
    return out;
  });
}

/**
 * Reads shard files back into whole float32 arrays keyed by name (in first-seen order). `fileNames` are
 * used in error messages only.
 */
export function unpackShards(files: Uint8Array[], fileNames: string[]): Map<string, { shape: number[]; values: Float32Array; dtype: StoredDtype }> {
  const out = new Map<string, { shape: number[]; values: Float32Array; dtype: StoredDtype; filled: number }>();
  files.forEach((file, fi) => {
    const where = fileNames[fi];
    if (file.length < 12 || new TextDecoder().decode(file.subarray(0, 8)) !== MAGIC) {
      throw new Error(`Checkpoint file ${where} is not a tensor shard (bad magic bytes); it is corrupt or not ours.`);
    }
    const n = new DataView(file.buffer, file.byteOffset, file.byteLength).getUint32(8, true);
    if (12 + n > file.length) throw new Error(`Checkpoint file ${where} is truncated (its header runs past the end).`);
    let header: { records: ShardRecord[] };
    try {
      header = JSON.parse(new TextDecoder().decode(file.subarray(12, 12 + n)));
    } catch {
      throw new Error(`Checkpoint file ${where} has an unreadable header; it is corrupt.`);
    }
    const dataStart = Math.ceil((12 + n) / 8) * 8;
    for (const r of header.records) {
      const bpe = bytesPer(r.dtype);
      const begin = dataStart + r.offset;
      if (begin + r.count * bpe > file.length) throw new Error(`Checkpoint file ${where} is truncated (tensor '${r.name}' runs past the end).`);
      const raw = file.slice(begin, begin + r.count * bpe); // copy: aligned and owned
      const part = r.dtype === "float32" ? new Float32Array(raw.buffer) : fromBfloat16(new Uint16Array(raw.buffer));
      const size = r.shape.reduce((a, b) => a * b, 1);
      let entry = out.get(r.name);
      if (!entry) {
        entry = { shape: r.shape, values: new Float32Array(size), dtype: r.dtype, filled: 0 };
        out.set(r.name, entry);
      }
      if (r.start + r.count > size) throw new Error(`Checkpoint file ${where}: tensor '${r.name}' has more values than its shape [${r.shape}] holds.`);
      entry.values.set(part, r.start);
      entry.filled += r.count;
    }
  });
  for (const [name, e] of out) {
    if (e.filled !== e.values.length) throw new Error(`Checkpoint tensor '${name}' is incomplete: ${e.filled} of ${e.values.length} values found.`);
  }
  return new Map([...out].map(([k, e]) => [k, { shape: e.shape, values: e.values, dtype: e.dtype }]));
}
