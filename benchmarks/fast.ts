/**
 * FAST vs 256-bin tokenization: tokens per chunk and reconstruction error, on held-out chunks.
 *
 * Peer anchor (reference/PEERS.md §B.4): FAST reports 2×–13× fewer tokens than per-dimension binning on
 * real robot data at higher control rates and longer chunks; SimpleVLA-RL's binning uses 7 × 8 = 56 tokens.
 *
 * Real demonstrations do not exist in the repository yet, so `main` feeds smooth synthetic trajectories
 * (piecewise-linear velocity moves with seeded noise and gripper toggles). `benchmarkFast` takes any
 * episodes of env actions, so a recorded dataset can be passed in unchanged once one exists.
 */
import { existsSync } from "node:fs";
import { DemoReader } from "../sim/dataset/reader.ts";
import { listDemoFiles } from "../sim/dataset/format.ts";
import { isNoOp } from "../sim/dataset/stats.ts";
import { pathToFileURL } from "node:url";
import seedrandom from "seedrandom";
import { machineLine, printTable, timeIt, type Cell } from "./lib/table.ts";
import { type ActionStats, computeActionStats, normalizeActions } from "../models/actionNormalizer.ts";
import { gripperSign, tokenToValue, valueToToken } from "../models/actionTokenizer.ts";
import { trainFast } from "../models/fast.ts";
import { ACTION_DIM, ACTION_SLOTS, CHUNK_LEN, type Rng } from "../models/types.ts";

/** A standard normal draw (Box–Muller) from a uniform stream. */
function gaussian(rng: Rng): number {
  return Math.sqrt(-2 * Math.log(1 - rng())) * Math.cos(2 * Math.PI * rng());
}

/**
 * `count` synthetic episodes of env actions [S·A], S in 120..300: segments of 10–40 steps, each holding a
 * velocity (translation up to ±0.8, rotation up to ±0.2, or a 25% chance of a pause), reached by a linear
 * ramp of 3–6 steps; Gaussian noise σ = 0.03 on dims 0–5; the gripper starts open (−1) and toggles at a
 * segment boundary with probability 0.35. Values are clipped to the env range [−1, 1].
 */
export function syntheticEpisodes(count: number, seed: string): Float32Array[] {
  const rng = seedrandom(seed);
  const uniform = (lo: number, hi: number) => lo + (hi - lo) * rng();
  const episodes: Float32Array[] = [];
  for (let e = 0; e < count; e++) {
    const steps = Math.floor(uniform(120, 301));
    const actions = new Float32Array(steps * ACTION_DIM); // [S·A]
    let velocity = new Array(6).fill(0);
    let gripper = -1;
    let t = 0;
    while (t < steps) {
      const target = rng() < 0.25 ? new Array(6).fill(0) : [0, 1, 2, 3, 4, 5].map((d) => (d < 3 ? uniform(-0.8, 0.8) : uniform(-0.2, 0.2)));
      const ramp = Math.floor(uniform(3, 7));
      const length = Math.floor(uniform(10, 41));
      if (t > 0 && rng() < 0.35) gripper = -gripper;
      for (let i = 0; i < length && t < steps; i++, t++) {
        const w = Math.min(1, (i + 1) / ramp);
        for (let d = 0; d < 6; d++) {
          const v = (1 - w) * velocity[d] + w * target[d] + 0.03 * gaussian(rng);
          actions[t * ACTION_DIM + d] = Math.min(1, Math.max(-1, v));
        }
        actions[t * ACTION_DIM + 6] = gripper;
      }
      velocity = target;
    }
    episodes.push(actions);
  }
  return episodes;
}

/**
 * Normalized chunks [C·A] starting at every `stride`-th step of each episode; past the episode's end a chunk
 * repeats the last action (the arm holds still).
 */
export function chunksFromEpisodes(episodes: Float32Array[], stats: ActionStats, stride = 1): Float32Array[] {
  const chunks: Float32Array[] = [];
  for (const episode of episodes) {
    const normalized = normalizeActions(episode, stats); // [S·A]
    const steps = normalized.length / ACTION_DIM;
    for (let start = 0; start < steps; start += stride) {
      const chunk = new Float32Array(ACTION_SLOTS); // [C·A]
      for (let t = 0; t < CHUNK_LEN; t++) {
        const s = Math.min(start + t, steps - 1);
        chunk.set(normalized.subarray(s * ACTION_DIM, (s + 1) * ACTION_DIM), t * ACTION_DIM);
      }
      chunks.push(chunk);
    }
  }
  return chunks;
}

interface Quality {
  meanTokens: number;
  maxTokens: number;
  /** RMSE over dims 0–5 in normalized units. */
  rmse: number;
  /** Fraction of gripper values whose decoded sign differs from the original's. */
  gripperFlips: number;
}

/** Scores a codec (chunk → tokens → chunk) on `chunks`. */
function score(chunks: Float32Array[], codec: (x: Float32Array) => { tokens: number; back: ArrayLike<number> }): Quality {
  let sumTokens = 0;
  let maxTokens = 0;
  let sq = 0;
  let n = 0;
  let flips = 0;
  for (const x of chunks) {
    const { tokens, back } = codec(x);
    sumTokens += tokens;
    maxTokens = Math.max(maxTokens, tokens);
    for (let i = 0; i < ACTION_SLOTS; i++) {
      if (i % ACTION_DIM === 6) flips += gripperSign(back[i]) !== gripperSign(x[i]) ? 1 : 0;
      else {
        sq += (back[i] - x[i]) ** 2;
        n++;
      }
    }
  }
  return { meanTokens: sumTokens / chunks.length, maxTokens, rmse: Math.sqrt(sq / n), gripperFlips: flips / (chunks.length * CHUNK_LEN) };
}

/** The FAST settings compared: FAST's default (scale 10, vocabulary 1024) and its neighbours. */
const SETTINGS = [
  { scale: 10, vocabSize: 256 },
  { scale: 10, vocabSize: 1024 },
  { scale: 10, vocabSize: 2048 },
  { scale: 5, vocabSize: 1024 },
  { scale: 20, vocabSize: 1024 },
];

/**
 * Prints the comparison for `episodes` of env actions ([S·A] each): the first 80% of episodes give the
 * statistics and FAST's training chunks, the rest are held out and scored. `source` says where the data
 * came from, in the table's note.
 */
export async function benchmarkFast(episodes: Float32Array[], source: string): Promise<void> {
  const split = Math.max(1, Math.floor(episodes.length * 0.8));
  const trainEpisodes = episodes.slice(0, split);
  const heldOutEpisodes = episodes.slice(split);
  let total = 0;
  for (const e of trainEpisodes) total += e.length;
  const all = new Float32Array(total);
  let offset = 0;
  for (const e of trainEpisodes) {
    all.set(e, offset);
    offset += e.length;
  }
  const stats = computeActionStats(all);
  const train = chunksFromEpisodes(trainEpisodes, stats);
  const heldOut = chunksFromEpisodes(heldOutEpisodes, stats);

  const rows: Cell[][] = [];
  const binning = score(heldOut, (x) => ({ tokens: ACTION_SLOTS, back: x.map((v) => tokenToValue(valueToToken(v))) }));
  const binMs = await timeIt(() => heldOut.slice(0, 500).forEach((x) => x.forEach((v) => valueToToken(v))), 300);
  rows.push(["256 bins (OpenVLA)", 256, binning.meanTokens, binning.maxTokens, 1, binning.rmse, binning.gripperFlips, "-", (binMs / 500) * 1000]);

  for (const s of SETTINGS) {
    const t0 = performance.now();
    const tok = trainFast(train, s);
    const trainS = (performance.now() - t0) / 1000;
    const q = score(heldOut, (x) => {
      const tokens = tok.encode(x);
      return { tokens: tokens.length, back: tok.decode(tokens) };
    });
    const encMs = await timeIt(() => heldOut.slice(0, 200).forEach((x) => tok.encode(x)), 300);
    rows.push([
      `FAST scale ${s.scale}, vocab ≤ ${s.vocabSize}`,
      tok.vocabSize,
      q.meanTokens,
      q.maxTokens,
      ACTION_SLOTS / q.meanTokens,
      q.rmse,
      q.gripperFlips,
      trainS,
      (encMs / 200) * 1000,
    ]);
  }
  printTable(
    "FAST vs 256-bin action tokens (held-out chunks of 8 × 7)",
    ["tokenizer", "vocab", "mean tokens", "max tokens", "56 / mean", "RMSE dims 0–5 (normalized)", "gripper flips", "train s", "encode µs/chunk"],
    rows,
    [
      `data: ${source}; ${train.length} training chunks from ${trainEpisodes.length} episodes, ${heldOut.length} held-out chunks from ${heldOutEpisodes.length} episodes (one chunk per step, the tail padded with the last action).`,
      "RMSE compares decoded with original normalized values of dims 0–5; gripper flips counts decoded signs that differ (FAST decodes the gripper continuously, then takes its sign).",
      "Peer anchor (PEERS.md §B.4): FAST reports 2×–13× compression over binning on real robot data (longer chunks, higher control rates); binning here is SimpleVLA-RL's 56 tokens per chunk.",
      machineLine(),
    ],
  );
}

/** Env actions of every successful episode in a demos folder, no-op steps dropped as SFT drops them. */
async function recordedEpisodes(dir: string): Promise<Float32Array[]> {
  const episodes: Float32Array[] = [];
  for (const file of await listDemoFiles(dir)) {
    const reader = await DemoReader.open(file);
    try {
      for (let i = 0; i < reader.header.episodes.length; i++) {
        const ep = await reader.readEpisode(i, { images: false });
        if (!ep.success) continue;
        const kept: number[] = [];
        let previous: Float32Array | null = null;
        for (let t = 0; t < ep.actions.length / 7; t++) {
          const a = ep.actions.subarray(7 * t, 7 * t + 7);
          if (isNoOp(a, previous)) continue;
          kept.push(...a);
          previous = a;
        }
        episodes.push(Float32Array.from(kept));
      }
    } finally {
      await reader.close();
    }
  }
  return episodes;
}

async function main(): Promise<void> {
  const i = process.argv.indexOf("--demos");
  if (i >= 0) {
    const dir = process.argv[i + 1];
    if (!dir || !existsSync(dir)) throw new Error(`--demos needs a folder of .demos files (npm run demos … --out), got ${dir}.`);
    const episodes = await recordedEpisodes(dir);
    await benchmarkFast(episodes, `scripted-expert demos in ${dir} (${episodes.length} episodes, no-op steps dropped)`);
    return;
  }
  const episodes = syntheticEpisodes(100, "fast-benchmark");
  await benchmarkFast(
    episodes,
    "SYNTHETIC trajectories (pass --demos DIR for recorded ones): piecewise-linear velocity moves, σ = 0.03 noise, gripper toggles, seed 'fast-benchmark'",
  );
}

// Run only as a script, so that a later dataset benchmark can import `benchmarkFast` without side effects.
if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) await main();
