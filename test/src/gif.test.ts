import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { encodeGif, parseVideoFileName, videoFileName, writeGif } from "../../src/report/gif.ts";

/** A 128×128 RGB frame: a red square at column `x` on a grey background. */
function frame(x: number): Uint8Array {
  const f = new Uint8Array(128 * 128 * 3).fill(90);
  for (let r = 40; r < 72; r++) for (let c = x; c < x + 32; c++) f.set([220, 30, 30], (r * 128 + c) * 3);
  return f;
}

/** Walks the GIF block structure; returns the screen size and the number of image descriptors. */
function parseGif(b: Uint8Array): { width: number; height: number; frames: number; loops: boolean } {
  const header = String.fromCharCode(...b.subarray(0, 6));
  expect(header).toBe("GIF89a");
  const width = b[6] | (b[7] << 8);
  const height = b[8] | (b[9] << 8);
  let p = 13;
  if (b[10] & 0x80) p += 3 * 2 ** ((b[10] & 7) + 1);
  let frames = 0;
  let loops = false;
  const skipSubBlocks = () => {
    while (b[p] !== 0) p += b[p] + 1;
    p++;
  };
  for (;;) {
    const tag = b[p++];
    if (tag === 0x3b) break;
    if (tag === 0x21) {
      const label = b[p++];
      if (label === 0xff && String.fromCharCode(...b.subarray(p + 1, p + 12)) === "NETSCAPE2.0") loops = true;
      skipSubBlocks();
    } else if (tag === 0x2c) {
      frames++;
      const packed = b[p + 8];
      p += 9;
      if (packed & 0x80) p += 3 * 2 ** ((packed & 7) + 1);
      p++; // LZW minimum code size
      skipSubBlocks();
    } else {
      throw new Error(`bad GIF block 0x${tag.toString(16)} at ${p - 1}`);
    }
  }
  expect(p).toBe(b.length);
  return { width, height, frames, loops };
}

describe("gif", () => {
  it("encodes 128×128 RGB frames as a looping GIF89a scaled 2×, one image per frame", () => {
    const frames = [0, 16, 32, 48, 64].map(frame);
    const g = parseGif(encodeGif(frames));
    expect(g).toEqual({ width: 256, height: 256, frames: 5, loops: true });
  });

  it("scale 1 keeps the size; writeGif writes the file", () => {
    const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), "gif-")), "videos", "a.gif");
    writeGif(file, [frame(0), frame(8)], { scale: 1 });
    expect(parseGif(new Uint8Array(fs.readFileSync(file)))).toMatchObject({ width: 128, height: 128, frames: 2 });
  });

  it("a frame of the wrong size is an error naming the frame", () => {
    expect(() => encodeGif([frame(0), new Uint8Array(10)])).toThrow("frame 1 has 10 bytes");
  });

  it("video file names round-trip", () => {
    const v = { step: 20, taskId: 3, index: 7, success: true };
    expect(videoFileName(v)).toBe("eval-s0020-t03-i07-success.gif");
    expect(parseVideoFileName(videoFileName(v))).toEqual(v);
    expect(parseVideoFileName("other.gif")).toBeUndefined();
  });
});
