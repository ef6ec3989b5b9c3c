/**
 * Rollout collection: G episodes per group (a group = one init state, GRPO's group), run in lockstep on the
 * worker pool with the VLA in the loop, giving one `Rollout` record per episode (algorithms/rollout.ts).
 *
 * One iteration of the loop (SIMPLEVLA_RL.md §1, "Episode mechanics"; DESIGN.md "Episodes"):
 *   1) start pending episodes on free envs (reset: 10 wait steps, then the first observation);
 *   2) one batched VLA forward over the LIVE episodes only, in (group, member) order: centre crop of 0.9
 *      area → 56 tokens per row, row b drawing from its episode's own random stream;
 *   3) de-tokenize to 8 env actions and run the chunks on all envs in parallel (a chunk stops early at
 *      success or at the step limit);
 *   4) record (image seen, tokens, log-probs), add the executed steps to finishStep, free finished envs.
 * The original keeps calling the model for finished envs until the step limit; we drop them from the batch,
 * which changes no result because every row samples from its own stream.
 *
 * Determinism (DESIGN.md): episode (group g, member m) samples from seedrandom("rollout/seed/rlStep/g/m")
 * and its env is reset from its init state with no state kept from earlier episodes, so its tokens, images
 * and finishStep depend neither on the number of workers, nor on which env slot ran it, nor on which other
 * episodes shared its batch, nor on a worker crash (the pool replays the lost steps).
 *
 * More episodes than envs: episodes wait in (group, member) order and start as envs free up.
 *
 * Shape letters (STYLE.md): N episodes, G group size, B live rows of a forward pass, S model image side.
 */
import * as tf from "@tensorflow/tfjs-core";
import seedrandom from "seedrandom";
import type { EnvSpec } from "../../sim/envFactory.ts";
import type { InitStateId, Observation } from "../../sim/envTypes.ts";
import { decodeChunk } from "../../models/actionTokenizer.ts";
import type { ActionStats } from "../../models/actionNormalizer.ts";
import { prepareImages } from "../../models/imagePrep.ts";
import { greedyFromLogits, logProbsFromLogits, type SampleResult } from "../../models/sampling.ts";
import type { TextTokenizer } from "../../models/textTokenizer.ts";
import { ACTION_SLOTS, NUM_BINS, type Rng, type VlaBatch } from "../../models/types.ts";
import { type Rollout, type RolloutStep, validateRollout } from "../rollout.ts";
import { specKey } from "./protocol.ts";
import type { WorkerPool } from "./workerPool.ts";

/** What the rollout engine needs of the policy; `models/vla.ts`'s `Vla` has it. */
export interface RolloutPolicy {
  readonly config: { imageSize: number; maxTextLen: number };
  /** 56 tokens per row from softmax(logits / temperature), row b drawing only from rngs[b]. */
  sample(batch: VlaBatch, temperature: number, rngs: Rng[]): SampleResult;
  /** [B, 56, 256] raw logits (greedy decoding takes their argmax). */
  logits(batch: VlaBatch): tf.Tensor3D;
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
  /** Called after every chunk iteration (progress bars; tests use it to crash a worker mid-rollout). */
  onIteration?: (info: { iteration: number; live: number; pending: number; done: number }) => void;
}

export interface RolloutTiming {
  /** Image prep, forward pass, sampling and de-tokenization, summed over iterations. */
  modelMs: number;
  /** Wall time waiting for the env workers (resets and chunks, all workers in parallel). */
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

  const pending = [...episodes]; // not started yet, in (group, member) order
  const live: Episode[] = []; // started and not done, kept in (group, member) order
  const freeSlots = Array.from({ length: pool.numEnvs }, (_, e) => e);
  let iteration = 0;

  while (pending.length > 0 || live.length > 0) {
    // 1) start waiting episodes on free envs, preferring an env already built from the episode's spec
    const starting: Episode[] = [];
    while (pending.length > 0 && freeSlots.length > 0) {
      const ep = pending.shift()!;
      const want = ep.spec === undefined ? null : specKey(ep.spec);
      const at = want === null ? 0 : Math.max(0, freeSlots.findIndex((e) => specKey(pool.specOf(e)) === want));
      ep.slot = freeSlots.splice(at, 1)[0];
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
      live.push(...starting);
      live.sort((a, b) => a.index - b.index);
    }

    // 2) one forward pass over the live episodes → 56 tokens each
    const tm = performance.now();
    const B = live.length;
    const { tokens, logProbs } = policyStep(model, live, greedy, options.temperature);
    const chunks = live.map((_, b) => decodeChunk(tokens.subarray(b * ACTION_SLOTS, (b + 1) * ACTION_SLOTS), stats)); // B × [8·7]
    timing.modelMs += performance.now() - tm;
    timing.modelCalls++;
    timing.modelRows += B;

    // 3) run the chunks on all envs in parallel
    const te = performance.now();
    const results = await pool.stepChunks(live.map((ep, b) => ({ envIndex: ep.slot, actions: chunks[b] })));
    timing.envMs += performance.now() - te;

    // 4) record the step; finished episodes free their env
    live.forEach((ep, b) => {
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
      ep.obs = r.obs;
      ep.observed.push(r.obs.image);
    });
    for (const ep of live.filter((e) => e.done)) {
      freeSlots.push(ep.slot);
      ep.obs = null;
    }
    freeSlots.sort((a, b) => a - b);
    const stillLive = live.filter((e) => !e.done);
    live.length = 0;
    live.push(...stillLive);
    iteration++;
    options.onIteration?.({ iteration, live: live.length, pending: pending.length, done: episodes.length - live.length - pending.length });
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
function policyStep(model: RolloutPolicy, live: Episode[], greedy: boolean, temperature: number): SampleResult {
  const B = live.length;
  const L = model.config.maxTextLen;
  const text = new Int32Array(B * L); // [B, L]
  live.forEach((ep, b) => text.set(ep.text, b * L));
  const batch: VlaBatch = {
    images: prepareImages(live.map((ep) => ep.obs!.image), model.config.imageSize), // [B, S, S, 3]
    text: tf.tensor2d(text, [B, L], "int32"),
  };
  try {
    if (!greedy) return model.sample(batch, temperature, live.map((ep) => ep.rng!));
    // Greedy (evaluation): the argmax per slot, as the original's validation; its log-prob at T = 1.
    const logits = model.logits(batch); // [B, 56, 256]
    try {
      const values = logits.dataSync() as Float32Array;
      const tokens = greedyFromLogits(values, B, ACTION_SLOTS, NUM_BINS);
      return { tokens, logProbs: Float32Array.from(logProbsFromLogits(values, tokens, B, ACTION_SLOTS, NUM_BINS, 1)) };
    } finally {
      logits.dispose();
    }
  } finally {
    batch.images.dispose();
    batch.text.dispose();
  }
}
