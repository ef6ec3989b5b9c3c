/**
 * Animated GIFs of episodes for the report's gallery, with gifenc.
 *
 * Frames are what the env renders: RGB, `width × height × 3` bytes, row 0 at the top (DESIGN.md's
 * Observation.image, 128 × 128). They are scaled up by an integer factor (nearest neighbour, default 2×)
 * because 128 px is small on a screen. Each frame gets its own 256-colour palette (gifenc's quantizer):
 * scenes change colour little, but the arm sweeping in can.
 *
 * File names carry what the gallery needs: `videoFileName({step, taskId, index, success})` gives
 * `eval-s0020-t03-i07-success.gif`, and `parseVideoFileName` reads it back.
 */
import fs from "node:fs";
import path from "node:path";
import * as gifencModule from "gifenc";

// Node loads gifenc's CommonJS build (everything on the default export); bundlers such as vitest's load its
// ESM build (named exports, and a default that is GIFEncoder alone). Take whichever has the functions.
const gifenc: typeof gifencModule.default =
  "quantize" in gifencModule ? (gifencModule as unknown as typeof gifencModule.default) : gifencModule.default;

export interface GifOptions {
  width?: number;
  height?: number;
  /** Integer up-scaling for viewing (default 2). */
  scale?: number;
  /** Frames per second (default 10; one frame per 8-step chunk at 20 Hz control would be 2.5). */
  fps?: number;
}

/** Encodes RGB frames as a looping animated GIF. */
export function encodeGif(frames: readonly Uint8Array[], opts: GifOptions = {}): Uint8Array {
  const width = opts.width ?? 128;
  const height = opts.height ?? 128;
  const scale = opts.scale ?? 2;
  const delay = Math.round(1000 / (opts.fps ?? 10));
  if (frames.length === 0) throw new Error("encodeGif: no frames");
  if (!Number.isInteger(scale) || scale < 1) throw new Error(`encodeGif: scale must be a positive integer, got ${scale}`);
  const [W, H] = [width * scale, height * scale];
  const rgba = new Uint8Array(W * H * 4);
  const gif = gifenc.GIFEncoder();
  frames.forEach((frame, f) => {
    if (frame.length !== width * height * 3) {
      throw new Error(`encodeGif: frame ${f} has ${frame.length} bytes, expected ${width}×${height}×3 = ${width * height * 3}`);
    }
    for (let y = 0; y < H; y++) {
      const srcRow = Math.floor(y / scale) * width;
      for (let x = 0; x < W; x++) {
        const s = (srcRow + Math.floor(x / scale)) * 3;
        const d = (y * W + x) * 4;
        rgba[d] = frame[s];
        rgba[d + 1] = frame[s + 1];
        rgba[d + 2] = frame[s + 2];
        rgba[d + 3] = 255;
      }
    }
    const palette = gifenc.quantize(rgba, 256);
    const index = gifenc.applyPalette(rgba, palette);
    gif.writeFrame(index, W, H, { palette, delay, repeat: 0 });
  });
  gif.finish();
  return gif.bytes();
}

/** Encodes and writes `file` (directories created). */
export function writeGif(file: string, frames: readonly Uint8Array[], opts: GifOptions = {}): void {
  fs.mkdirSync(path.dirname(file), { recursive: true });
  fs.writeFileSync(file, encodeGif(frames, opts));
}

export interface VideoInfo {
  /** RL step of the evaluation (0 = after SFT, before RL). */
  step: number;
  taskId: number;
  /** Init-state index within the evaluation split. */
  index: number;
  success: boolean;
}

/** `eval-s0020-t03-i07-success.gif`: sorts by step, then task, then init state. */
export function videoFileName(v: VideoInfo): string {
  const pad = (n: number, w: number) => String(n).padStart(w, "0");
  return `eval-s${pad(v.step, 4)}-t${pad(v.taskId, 2)}-i${pad(v.index, 2)}-${v.success ? "success" : "failure"}.gif`;
}

/** The inverse of `videoFileName`; undefined for any other name. */
export function parseVideoFileName(name: string): VideoInfo | undefined {
  const m = /^eval-s(\d+)-t(\d+)-i(\d+)-(success|failure)\.gif$/.exec(name);
  if (!m) return undefined;
  return { step: Number(m[1]), taskId: Number(m[2]), index: Number(m[3]), success: m[4] === "success" };
}
