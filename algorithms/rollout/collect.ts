/**
 * Rollout collection: G episodes per group (a group = one init state, GRPO's group), run in lockstep on the
 * worker pool with the VLA in the loop, giving one `Rollout` record per episode (algorithms/rollout.ts).
 *
 * One iteration of the loop (SIMPLEVLA_RL.md §1, "Episode mechanics"; DESIGN.md "Episodes"), per lane:
 *   a) take the lane's chunk results: record (image seen, tokens, log-probs), add the executed steps to
 *      finishStep (a chunk stops early at success or at the step limit), free the envs of finished episodes;
 *   b) start waiting episodes on free envs (reset: 10 wait steps, then the first observation);
 *   c) one batched VLA forward over the lane's LIVE episodes only, in (group, member) order: centre crop of
 *      0.9 area → 56 tokens per row, row b drawing from its episode's own random stream → 8 env actions;
 *   d) send the chunks to the workers without waiting: the next lane's forward pass runs meanwhile.
 * With `lanes: 2` the envs are split into two batches so that the model (main thread) and the envs (worker
 * threads) overlap instead of taking turns; the default, one lane, is plain lockstep. The original keeps calling the model for
 * finished envs until the step limit; we drop them from the batch, which changes no result because every
 * row samples from its own stream.
 *
 * Determinism (DESIGN.md): episode (group g, member m) samples from seedrandom("rollout/seed/rlStep/g/m")
 * and its env is reset from its init state with no state kept from earlier episodes, so its tokens, images
 * and finishStep depend neither on the number of workers, nor on which env slot ran it, nor on a worker
 * crash (the pool replays the lost steps), bit for bit on the wasm and cpu backends.
 *
 * Batch composition (which rows share a forward pass) depends only on the groups, G, the number of envs and
 * the lanes, never on the workers. Other rows in the batch move a row's logits only in the last float bits
 * (models/vla.ts tests this), so changing the number of envs or lanes keeps the tokens unless a draw lands
 * within rounding of a bin edge, and the log-probs to about 1e-5.
 *
 * More episodes than envs: episodes wait in (group, member) order and start as envs free up.
 *
 * Shape letters (STYLE.md): N episodes, G group size, B live rows of a forward pass, S model image side.
 */
import * as tf from "@tensorflow/tfjs-core";
import seedrandom from "seedrandom";
import type { EnvSpec } from "../../sim/envFactory.ts";
import type { ChunkResult, InitStateId, Observation } from "../../sim/envTypes.ts";
import { decodeChunk } from "../../models/actionTokenizer.ts";
import type { ActionStats } from "../../models/actionNormalizer.ts";
import { prepareImages } from "../../models/imagePrep.ts";
import { greedyFromLogits, logProbsFromLogits, type SampleResult } from "../../models/sampling.ts";
import type { TextTokenizer } from "../../models/textTokenizer.ts";
import { ACTION_SLOTS, NUM_BINS, type Rng, type VlaBatch } from "../../models/types.ts";
import { type Rollout, type RolloutStep, validateRollout } from "../rollout.ts";
import { specKey } from "./protocol.ts";
import type { WorkerPool } from "./workerPool.ts";

/**
 * What the rollout engine needs of the policy; `models/vla.ts`'s `Vla` has it. The asynchronous download
 * works on every backend (webgpu has no synchronous read in Node) and frees the event loop meanwhile.
 */
export interface RolloutPolicy {
  readonly config: { imageSize: number; maxTextLen: number };
  /** 56 tokens per row from softmax(logits / temperature), row b drawing only from rngs[b]. */
  sampleAsync(batch: VlaBatch, temperature: number, rngs: Rng[]): Promise<SampleResult>;
  /** [B, 56, 256] raw logits (greedy decoding takes their argmax). */
  logits(batch: VlaBatch): tf.Tensor3D;
  /** Optional: the logits downloaded, [B·56·256]; used for greedy decoding in place of logits() when present. */
  logitsAsync?(batch: VlaBatch): Promise<Float32Array>;
  /** Optional: called at the start of every collection, before any forward pass (ParallelPolicy syncs its weights). */
  prepare?(): Promise<void>;
}

/** One GRPO group: G episodes from the same init state of the same task. */
export interface RolloutGroup {
  /** Unique within a collection; keys the random streams of the group's episodes. */
  groupId: number;
  /** Names the task for `instructionOf` and `envSpecOf` (e.g. "libero_10/3"). */
  taskKey: string;
  initStateId: InitStateId;
}

export interface CollectOptions {
  pool: WorkerPool;
  model: RolloutPolicy;
  tokenizer: TextTokenizer;
  /** The action statistics the model was trained with (de-tokenization). */
  stats: ActionStats;
  instructionOf: (taskKey: string) => string;
  /** The env a task runs in; without it, every episode runs on whatever spec its env slot has. */
  envSpecOf?: (taskKey: string) => EnvSpec;
  groups: RolloutGroup[];
  /** G: episodes per group (the original: 8). */
  groupSize: number;
  /** Sampling temperature (the original: 1.6); unused when greedy. */
  temperature: number;
  rlStep: number;
  seed: number;
  /** Argmax decoding instead of sampling (evaluation). */
  greedy?: boolean;
  /** Frames kept per episode for videos (default 8; 0 keeps none). */
  framesPerEpisode?: number;
  /** Keep every k-th observation as a video frame (default 4); the final observation is always a candidate. */
  frameEvery?: number;
  /**
   * Batches the envs are split into (default 1, plain lockstep over all envs). With 2, the workers step one
   * lane's chunk while the model computes the other's. Measured (benchmarks/rollout.ts): +16% env steps/s on
   * a 16-core host with the model on webgpu, slower on a busy 2-core machine. Not chosen by core count,
   * because the lanes decide which rows share a forward pass, and that must not differ between machines.
   */
  lanes?: number;
  /** Called after every chunk iteration (progress bars; tests use it to crash a worker mid-rollout). */
  onIteration?: (info: { iteration: number; live: number; pending: number; done: number }) => void;
}

export interface RolloutTiming {
  /** Image prep, forward pass, sampling and de-tokenization, summed over iterations. */
  modelMs: number;
  /** Wall time the main thread waited for the env workers (resets and chunks; the part not hidden behind the model). */
  envMs: number;
  totalMs: number;
  /** Forward passes and the rows they held (finished episodes cost none). */
  modelCalls: number;
  modelRows: number;
  /** Counted env steps executed, summed over episodes. */
  envSteps: number;
}

export interface CollectResult {
  /** N = groups × G rollouts, in (group, member) order. */
  rollouts: Rollout[];
  /** Video frames per rollout (same order): 128·128·3 images, first observation first, final one last. */
  frames: Uint8Array[][];
  timing: RolloutTiming;
}

interface Episode {
  index: number;
  group: RolloutGroup;
  member: number;
  instruction: string;
  text: Int32Array; // [L]
  spec: EnvSpec | undefined;
  rng: Rng | null;
  slot: number;
  obs: Observation | null;
  steps: RolloutStep[];
  observed: Uint8Array[]; // every observation, for the video frames
  finishStep: number;
  success: boolean;
  done: boolean;
}

interface Lane {
  /** this lane's envs that run no episode, ascending */
  free: number[];
  /** started, not done, in (group, member) order (those with a chunk in flight included) */
  live: Episode[];
  /** the chunk last sent: which episodes, what was sampled, and the workers' answer to come */
  inFlight: { episodes: Episode[]; tokens: Int32Array; logProbs: Float32Array; results: Promise<ChunkResult[]> } | null;
}

/** Records one chunk step of a lane's episodes (image seen, tokens, log-probs, steps run); frees finished envs. */
function record(lane: Lane, results: ChunkResult[], timing: RolloutTiming): void {
  const { episodes, tokens, logProbs } = lane.inFlight!;
  lane.inFlight = null;
  episodes.forEach((ep, b) => {
    const r = results[b];
    ep.steps.push({
      image: ep.obs!.image,
      tokens: tokens.slice(b * ACTION_SLOTS, (b + 1) * ACTION_SLOTS),
      samplingLogProbs: logProbs.slice(b * ACTION_SLOTS, (b + 1) * ACTION_SLOTS),
    });
    ep.finishStep += r.stepsExecuted;
    timing.envSteps += r.stepsExecuted;
    ep.success = r.success;
    ep.done = r.done;
    ep.obs = r.done ? null : r.obs;
    ep.observed.push(r.obs.image);
    if (r.done) lane.free.push(ep.slot);
  });
  lane.free.sort((a, b) => a - b);
  lane.live = lane.live.filter((ep) => !ep.done);
}

/** The random stream of episode (group, member) at `rlStep`: its own, so nothing else can shift it. */
export function rolloutRng(seed: number, rlStep: number, groupId: number, member: number): Rng {
  return seedrandom(`rollout/${seed}/${rlStep}/${groupId}/${member}`);
}

function checkOptions(o: CollectOptions): void {
  if (!Number.isInteger(o.groupSize) || o.groupSize < 1) throw new Error(`groupSize must be a positive integer, got ${o.groupSize}.`);
  if (!o.greedy && (!(o.temperature > 0) || !Number.isFinite(o.temperature))) {
    throw new Error(`temperature must be a positive finite number (or pass greedy: true), got ${o.temperature}.`);
  }
  if (!Number.isInteger(o.rlStep) || o.rlStep < 0) throw new Error(`rlStep must be a non-negative integer, got ${o.rlStep}.`);
  if (!Number.isInteger(o.seed)) throw new Error(`seed must be an integer, got ${o.seed}.`);
  if (o.groups.length === 0) throw new Error("groups is empty; pass at least one group.");
  const ids = new Set<number>();
  for (const g of o.groups) {
    if (ids.has(g.groupId)) throw new Error(`groupId ${g.groupId} appears twice; each group needs its own id (it keys the random streams).`);
    ids.add(g.groupId);
  }
  const lanes = o.lanes ?? 1;
  if (!Number.isInteger(lanes) || lanes < 1) throw new Error(`lanes must be a positive integer, got ${lanes}.`);
  const k = o.frameEvery ?? 4;
  if (!Number.isInteger(k) || k < 1) throw new Error(`frameEvery must be a positive integer, got ${k}.`);
  const cap = o.framesPerEpisode ?? 8;
  if (!Number.isInteger(cap) || cap < 0) throw new Error(`framesPerEpisode must be a non-negative integer, got ${cap}.`);
}

/** Every k-th observation plus the final one, thinned evenly to at most `cap` (first and last kept). */
function videoFrames(observed: Uint8Array[], k: number, cap: number): Uint8Array[] {
  if (cap === 0 || observed.length === 0) return [];
  const idx = observed.map((_, i) => i).filter((i) => i % k === 0 || i === observed.length - 1);
  if (idx.length <= cap) return idx.map((i) => observed[i]);
  if (cap === 1) return [observed[observed.length - 1]];
  return Array.from({ length: cap }, (_, j) => observed[idx[Math.round((j * (idx.length - 1)) / (cap - 1))]]);
}

/** Runs groups × G episodes to their end and returns their rollouts, video frames and timing. */
export async function collectRollouts(options: CollectOptions): Promise<CollectResult> {
  checkOptions(options);
  const { pool, model, tokenizer, stats, groups, groupSize: G } = options;
  const greedy = options.greedy ?? false;
  const t0 = performance.now();
  const timing: RolloutTiming = { modelMs: 0, envMs: 0, totalMs: 0, modelCalls: 0, modelRows: 0, envSteps: 0 };
  const L = model.config.maxTextLen;
  await model.prepare?.();

  const episodes: Episode[] = groups.flatMap((group, g) => {
    const instruction = options.instructionOf(group.taskKey);
    const text = tokenizer.encode(instruction, L);
    const spec = options.envSpecOf?.(group.taskKey);
    return Array.from({ length: G }, (_, member) => ({
      index: g * G + member, group, member, instruction, text, spec,
      rng: greedy ? null : rolloutRng(options.seed, options.rlStep, group.groupId, member),
      slot: -1, obs: null, steps: [], observed: [], finishStep: 0, success: false, done: false,
    }));
  });

  // Lanes: the envs split into contiguous blocks, each with its own batch, so the model can compute one
  // lane's chunk while the workers step the other's (round-robin placement spreads every block over all
  // workers). A lane's batch holds its live episodes in (group, member) order.
  const laneCount = Math.min(options.lanes ?? 1, pool.numEnvs);
  const perLane = Math.ceil(pool.numEnvs / laneCount);
  const lanes: Lane[] = Array.from({ length: laneCount }, (_, i) => ({
    free: Array.from({ length: Math.min(perLane, pool.numEnvs - i * perLane) }, (_, k) => i * perLane + k),
    live: [],
    inFlight: null,
  }));
  const pending = [...episodes]; // not started yet, in (group, member) order
  let iteration = 0;

  while (pending.length > 0 || lanes.some((lane) => lane.live.length > 0)) {
    for (const lane of lanes) {
      // a) results of the chunks this lane sent last round; finished episodes free their env
      if (lane.inFlight !== null) {
        const te = performance.now();
        const results = await lane.inFlight.results;
        timing.envMs += performance.now() - te;
        record(lane, results, timing);
      }

      // b) start waiting episodes on this lane's free envs, preferring an env already built from their spec
      const starting: Episode[] = [];
      while (pending.length > 0 && lane.free.length > 0) {
        const ep = pending.shift()!;
        const want = ep.spec === undefined ? null : specKey(ep.spec);
        const at = want === null ? 0 : Math.max(0, lane.free.findIndex((e) => specKey(pool.specOf(e)) === want));
        ep.slot = lane.free.splice(at, 1)[0];
        starting.push(ep);
      }
      if (starting.length > 0) {
        const t = performance.now();
        const observations = await pool.reset(starting.map((ep) => ({ envIndex: ep.slot, initStateId: ep.group.initStateId, spec: ep.spec })));
        timing.envMs += performance.now() - t;
        starting.forEach((ep, i) => {
          ep.obs = observations[i];
          ep.observed.push(observations[i].image);
        });
        lane.live.push(...starting);
        lane.live.sort((a, b) => a.index - b.index);
      }
      if (lane.live.length === 0) continue;

      // c) one forward pass over the lane's live episodes → 56 tokens each, de-tokenized to 8 env actions
      const tm = performance.now();
      const B = lane.live.length;
      const { tokens, logProbs } = await policyStep(model, lane.live, greedy, options.temperature);
      const chunks = lane.live.map((_, b) => decodeChunk(tokens.subarray(b * ACTION_SLOTS, (b + 1) * ACTION_SLOTS), stats)); // B × [8·7]
      timing.modelMs += performance.now() - tm;
      timing.modelCalls++;
      timing.modelRows += B;

      // d) send the chunks to the workers, collected at this lane's next turn
      const results = pool.stepChunks(lane.live.map((ep, b) => ({ envIndex: ep.slot, actions: chunks[b] })));
      results.catch(() => {}); // awaited at the lane's next turn; this only keeps an early failure from being "unhandled"
      lane.inFlight = { episodes: [...lane.live], tokens, logProbs, results };
    }
    iteration++;
    const live = lanes.reduce((n, lane) => n + lane.live.length, 0);
    options.onIteration?.({ iteration, live, pending: pending.length, done: episodes.length - live - pending.length });
  }

  const frameEvery = options.frameEvery ?? 4;
  const cap = options.framesPerEpisode ?? 8;
  const rollouts = episodes.map((ep): Rollout => {
    const rollout: Rollout = {
      suite: ep.group.initStateId.suite,
      taskId: ep.group.initStateId.taskId,
      instruction: ep.instruction,
      init: { split: ep.group.initStateId.split, index: ep.group.initStateId.index },
      groupId: ep.group.groupId,
      steps: ep.steps,
      finishStep: ep.finishStep,
      success: ep.success,
    };
    validateRollout(rollout, `rollout of group ${ep.group.groupId} member ${ep.member}`);
    return rollout;
  });
  const frames = episodes.map((ep) => videoFrames(ep.observed, frameEvery, cap));
  timing.totalMs = performance.now() - t0;
  return { rollouts, frames, timing };
}

/** The batched forward pass of one iteration: tokens [B·56] and their log-probs [B·56]. */
async function policyStep(model: RolloutPolicy, live: Episode[], greedy: boolean, temperature: number): Promise<SampleResult> {
  const B = live.length;
  const L = model.config.maxTextLen;
  const text = new Int32Array(B * L); // [B, L]
  live.forEach((ep, b) => text.set(ep.text, b * L));
  const batch: VlaBatch = {
    images: prepareImages(live.map((ep) => ep.obs!.image), model.config.imageSize), // [B, S, S, 3]
    text: tf.tensor2d(text, [B, L], "int32"),
  };
  try {
    if (!greedy) return await model.sampleAsync(batch, temperature, live.map((ep) => ep.rng!));
    // Greedy (evaluation): the argmax per slot, as the original's validation; its log-prob at T = 1.
    const greedyOf = (values: Float32Array) => {
      const tokens = greedyFromLogits(values, B, ACTION_SLOTS, NUM_BINS);
      return { tokens, logProbs: Float32Array.from(logProbsFromLogits(values, tokens, B, ACTION_SLOTS, NUM_BINS, 1)) };
    };
    if (model.logitsAsync) return greedyOf(await model.logitsAsync(batch));
    const logits = model.logits(batch); // [B, 56, 256]
    try {
      return greedyOf((await logits.data()) as Float32Array);
    } finally {
      logits.dispose();
    }
  } finally {
    batch.images.dispose();
    batch.text.dispose();
  }
}
