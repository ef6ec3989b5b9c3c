/**
 * Bytes per image of the demo format's image coding candidates, on frames rendered while the arm moves, and
 * the size of libero_10 trajall extrapolated from them (10 tasks × 50 demos × ~300 steps = 150,000 frames;
 * budget 1 GB, so ≤ ~6.5 KB per image on average).
 *
 * Frames: the robot table scene (sim/scenes/robotTable.ts) through the Env, 300 counted steps of a scripted
 * reach: a proportional controller on the TCP position visiting points above, at and between the boxes,
 * closing and opening the gripper. Every candidate is lossless; all are checked to decode to the frame.
 * Peer anchor: LIBERO stores its 128×128 frames uncompressed in HDF5 (49,152 bytes each, LIBERO.md §8).
 *
 *   npm run bench -- dataset
 */
import zlib from "node:zlib";
import { mkdtemp, rm, stat } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Simulation } from "../sim/mujoco.ts";
import { Env } from "../sim/env.ts";
import { robotInitState, robotTableSceneXml } from "../sim/scenes/robotTable.ts";
import { encodePng } from "../sim/render/png.ts";
import { IMAGE_BYTES, type DemoEpisode } from "../sim/dataset/format.ts";
import { applyFilter, removeFilter, type ImageFilter } from "../sim/dataset/imageCodec.ts";
import { DemoWriter } from "../sim/dataset/writer.ts";
import { DemoReader } from "../sim/dataset/reader.ts";
import { machineLine, printTable, type Cell } from "./lib/table.ts";

const STEPS = 300;
/** libero_10 trajall: 10 tasks × 50 demos × ~300 steps */
const LIBERO_10_FRAMES = 10 * 50 * 300;
const BUDGET_BYTES = 1e9;

/** TCP waypoints (world m) and the gripper command held on the way to each. */
const WAYPOINTS: [number, number, number, number][] = [
  [-0.05, -0.15, 1.05, -1], [-0.05, -0.15, 0.95, -1], [-0.05, -0.15, 0.95, 1], [0.08, 0.1, 1.1, 1],
  [0.08, 0.1, 0.97, 1], [0.08, 0.1, 0.97, -1], [0.15, -0.05, 1.05, -1], [-0.1, 0.2, 1.0, -1], [-0.2, 0, 1.15, -1],
];

/** Renders STEPS agentview and wrist frames while the arm visits the waypoints; returns the episode. */
async function renderEpisode(): Promise<DemoEpisode> {
  const sim = await Simulation.fromXml(robotTableSceneXml());
  const env = new Env(sim, undefined, { maxSteps: STEPS, wristImage: true });
  try {
    let obs = env.reset(robotInitState(sim));
    const ep: DemoEpisode = {
      suite: "robot_table", taskId: 0, instruction: "visit the boxes", split: "train", index: 0, seed: 0, attempt: 0,
      success: true, images: [], wristImages: [], actions: new Float32Array(STEPS * 7), proprio: new Float64Array(STEPS * 9),
    };
    let w = 0;
    let held = 0;
    for (let t = 0; t < STEPS; t++) {
      const [x, y, z, g] = WAYPOINTS[w];
      const error = [x - obs.proprio[2], y - obs.proprio[3], z - obs.proprio[4]];
      // OSC_POSE scales an action of 1 to 5 cm; half of the remaining error per step, clipped
      const action = [...error.map((e) => Math.max(-1, Math.min(1, (0.5 * e) / 0.05))), 0, 0, 0, g];
      // next waypoint once reached and held for 10 steps (the gripper needs them to close), or after 40 steps
      if ((Math.hypot(...error) < 0.01 && held >= 10) || held >= 40) {
        w = (w + 1) % WAYPOINTS.length;
        held = 0;
      }
      held++;
      ep.images.push(obs.image);
      ep.wristImages!.push(obs.wristImage!);
      ep.proprio.set(obs.proprio, 9 * t);
      ep.actions.set(action, 7 * t);
      obs = env.step(action).obs;
    }
    return ep;
  } finally {
    env.dispose();
  }
}

interface Candidate {
  name: string;
  /** encodes frame t (given the previous frame, for temporal coding) and returns the bytes */
  encode: (frame: Uint8Array, previous: Uint8Array | null) => Uint8Array;
  /** decodes back (given the previous decoded frame), or null where no decoder is at hand */
  decode: ((bytes: Uint8Array, previous: Uint8Array | null) => Uint8Array) | null;
}

const deflate = (bytes: Uint8Array, level: number) => zlib.deflateRawSync(bytes, { level });
const inflate = (bytes: Uint8Array) => new Uint8Array(zlib.inflateRawSync(bytes));

function filtered(filter: ImageFilter, level: number): Candidate {
  return {
    name: `${filter === "none" ? "raw" : filter} + deflate ${level}`,
    encode: (f) => deflate(applyFilter(f, filter), level),
    decode: (b) => removeFilter(inflate(b), filter),
  };
}

/** Frame t − frame t−1 mod 256, deflated; the first frame of an episode is coded with 'up'. */
function temporal(level: number): Candidate {
  return {
    name: `temporal delta + deflate ${level}`,
    encode: (f, prev) => {
      if (!prev) return deflate(applyFilter(f, "up"), level);
      const d = new Uint8Array(IMAGE_BYTES);
      for (let i = 0; i < IMAGE_BYTES; i++) d[i] = (f[i] - prev[i]) & 0xff;
      return deflate(d, level);
    },
    decode: (b, prev) => {
      if (!prev) return removeFilter(inflate(b), "up");
      const d = inflate(b);
      for (let i = 0; i < IMAGE_BYTES; i++) d[i] = (d[i] + prev[i]) & 0xff;
      return d;
    },
  };
}

const CANDIDATES: Candidate[] = [
  { name: "uncompressed (LIBERO's HDF5)", encode: (f) => f, decode: (b) => b },
  filtered("none", 6),
  filtered("none", 9),
  filtered("up", 6),
  filtered("up", 9),
  filtered("paeth", 6),
  temporal(6),
  {
    name: "brotli 9 (raw)",
    encode: (f) => zlib.brotliCompressSync(f, { params: { [zlib.constants.BROTLI_PARAM_QUALITY]: 9 } }),
    decode: (b) => new Uint8Array(zlib.brotliDecompressSync(b)),
  },
  { name: "PNG file (pngjs, per-row filters)", encode: (f) => encodePng(f, 128, 128), decode: null },
];

/** Mean bytes, encode and decode milliseconds per frame of `frames` under `c`; throws if a frame differs. */
function measure(c: Candidate, frames: Uint8Array[]): { bytes: number; encodeMs: number; decodeMs: number } {
  let bytes = 0;
  const coded: Uint8Array[] = [];
  let t0 = performance.now();
  frames.forEach((f, t) => {
    const b = c.encode(f, t > 0 ? frames[t - 1] : null);
    bytes += b.length;
    coded.push(b);
  });
  const encodeMs = (performance.now() - t0) / frames.length;
  let decodeMs = NaN;
  if (c.decode) {
    t0 = performance.now();
    const decoded: Uint8Array[] = [];
    coded.forEach((b, t) => decoded.push(c.decode!(b, t > 0 ? decoded[t - 1] : null)));
    decodeMs = (performance.now() - t0) / frames.length;
    decoded.forEach((f, t) => {
      if (Buffer.compare(Buffer.from(f), Buffer.from(frames[t])) !== 0) throw new Error(`Candidate '${c.name}' does not decode frame ${t} back exactly.`);
    });
  }
  return { bytes: bytes / frames.length, encodeMs, decodeMs };
}

async function main(): Promise<void> {
  console.log(machineLine());
  const t0 = performance.now();
  const ep = await renderEpisode();
  console.log(`rendered ${STEPS} steps (agentview + wrist) in ${((performance.now() - t0) / 1000).toFixed(1)} s\n`);

  const gb = (bytesPerFrame: number) => (bytesPerFrame * LIBERO_10_FRAMES) / 1e9;
  for (const [view, frames] of [["agentview", ep.images], ["wrist", ep.wristImages!]] as const) {
    const rows: Cell[][] = CANDIDATES.map((c) => {
      const m = measure(c, frames);
      return [c.name, Math.round(m.bytes), m.encodeMs, Number.isNaN(m.decodeMs) ? "–" : m.decodeMs, gb(m.bytes), m.bytes * LIBERO_10_FRAMES <= BUDGET_BYTES ? "yes" : "no"];
    });
    printTable(
      `${view}: bytes per 128×128 frame, ${STEPS} rendered steps`,
      ["candidate", "bytes/frame", "encode ms", "decode ms", "libero_10 GB", "≤ 1 GB"],
      rows,
      [`libero_10 GB = bytes/frame × ${LIBERO_10_FRAMES.toLocaleString("en-US")} frames (10 tasks × 50 demos × 300 steps), images only.`],
    );
  }

  // The real file, with the writer's defaults, one episode of agentview only and one with wrist images.
  const dir = await mkdtemp(join(tmpdir(), "dataset-bench-"));
  try {
    const rows: Cell[][] = [];
    for (const wrist of [false, true]) {
      const path = join(dir, `task0-${wrist}.demos`);
      const episode = wrist ? ep : { ...ep, wristImages: undefined };
      let t = performance.now();
      const writer = await DemoWriter.open(path, { suite: ep.suite, taskId: 0, taskName: "robot_table", instruction: ep.instruction, wristImages: wrist });
      await writer.addEpisode(episode);
      await writer.close();
      const writeMs = performance.now() - t;
      const size = (await stat(path)).size;
      const reader = await DemoReader.open(path);
      t = performance.now();
      await reader.readEpisode(0);
      const readMs = performance.now() - t;
      await reader.close();
      rows.push([wrist ? "agentview + wrist" : "agentview", size, size / STEPS, writeMs / STEPS, readMs / STEPS, (size / STEPS) * LIBERO_10_FRAMES / 1e9]);
    }
    printTable(
      "The .demos file with the writer's defaults (up + deflate 6), one 300-step episode",
      ["images", "file bytes", "bytes/step", "write ms/step", "read ms/step", "libero_10 GB"],
      rows,
      ["bytes/step include the step's proprio (72 B), action (28 B) and image headers (5 B each)."],
    );
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

await main();
