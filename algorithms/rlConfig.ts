/**
 * The RL update's settings, with the original's numbers as defaults.
 *
 * Source: SimpleVLA-RL `examples/run_openvla_oft_rl_libero.sh` on top of veRL's `ppo_trainer.yaml`, and the
 * AdamW defaults of `verl/workers/fsdp_workers.py` (SIMPLEVLA_RL.md §1). Values marked CleanRL belong to the
 * "ppo" estimator only, which the original does not run.
 */
import type { AdvantageName } from "./advantages.ts";

export interface RlConfig {
  /** Advantage estimator (`algorithm.adv_estimator`): "grpo" in the original. */
  advantage: AdvantageName;
  /** G, rollouts per init state (`data.n_samples` 8). */
  groupSize: number;
  /** Kept groups per update (`data.train_batch_size` 64): 64·8 = 512 trajectories. */
  groupsPerBatch: number;
  /** Trajectories per optimizer step (`actor.ppo_mini_batch_size` 128): 512/128 = 4 steps per batch. */
  miniBatchTrajectories: number;
  /** Chunk steps per forward/backward slice, for memory (`actor.traj_mini_batch_size` 16). Exact: a slice's
   *  loss is weighted by whole-trajectory token counts, so slicing changes nothing but peak memory. */
  sliceChunkSteps: number;
  /** Ratio clip 1 − clipLow (`actor.clip_ratio_low` 0.2). */
  clipLow: number;
  /** Ratio clip 1 + clipHigh (`actor.clip_ratio_high` 0.28, DAPO's clip-higher). */
  clipHigh: number;
  /** Sampling temperature, also dividing the logits in the update (`rollout.temperature` 1.6). */
  temperature: number;
  /** AdamW learning rate, constant, no warmup (`actor.optim.lr` 5e-6). */
  learningRate: number;
  /** AdamW decoupled weight decay (veRL's code default 0.01). */
  weightDecay: number;
  /** AdamW betas (veRL's code default 0.9, 0.999). */
  beta1: number;
  beta2: number;
  /** Clip of the global gradient norm (`actor.grad_clip` 1). */
  gradClip: number;
  /** Dynamic sampling bounds on a group's success rate, inclusive (`data.accuracy_lower/upper_bound`). */
  accuracyLow: number;
  accuracyHigh: number;
  /** Our cap on rollout draws per update (the original draws until full; issue #28). */
  maxDrawsPerBatch: number;
  /** Discount over chunk steps (veRL yaml `algorithm.gamma` 1.0; used by "ppo" only). */
  gamma: number;
  /** GAE λ (veRL yaml `algorithm.lam` 1.0; "ppo" only). */
  lambda: number;
  /** Weight of the value loss in the total loss (CleanRL `vf_coef` 0.5; "ppo" only). */
  valueCoef: number;
  /** Value clip ε_v (CleanRL clips the value with its `clip_coef` 0.2; "ppo" only). */
  valueClip: number;
  /** Hidden width of the value head MLP (ours; "ppo" only). */
  valueHidden: number;
}

export function defaultRlConfig(): RlConfig {
  return {
    advantage: "grpo",
    groupSize: 8,
    groupsPerBatch: 64,
    miniBatchTrajectories: 128,
    sliceChunkSteps: 16,
    clipLow: 0.2,
    clipHigh: 0.28,
    temperature: 1.6,
    learningRate: 5e-6,
    weightDecay: 0.01,
    beta1: 0.9,
    beta2: 0.999,
    gradClip: 1,
    accuracyLow: 0.1,
    accuracyHigh: 0.9,
    maxDrawsPerBatch: 8,
    gamma: 1,
    lambda: 1,
    valueCoef: 0.5,
    valueClip: 0.2,
    valueHidden: 64,
  };
}

/** Checks every setting; throws one sentence naming the first bad key and what would be right. */
export function validateRlConfig(c: RlConfig): void {
  const estimators = ["grpo", "rloo", "ppo"];
  if (!estimators.includes(c.advantage)) {
    throw new Error(`RlConfig.advantage must be one of ${estimators.join(", ")}, got "${c.advantage}".`);
  }
  const positiveIntegers = ["groupSize", "groupsPerBatch", "miniBatchTrajectories", "sliceChunkSteps", "maxDrawsPerBatch", "valueHidden"] as const;
  for (const key of positiveIntegers) {
    if (!Number.isInteger(c[key]) || c[key] < 1) throw new Error(`RlConfig.${key} must be a positive integer, got ${c[key]}.`);
  }
  if (c.advantage === "rloo" && c.groupSize < 2) {
    throw new Error(`RlConfig.groupSize must be at least 2 for "rloo" (a leave-one-out baseline), got ${c.groupSize}.`);
  }
  const ranges: [keyof RlConfig, number, number, string][] = [
    ["clipLow", 0, 1, "in (0, 1)"],
    ["clipHigh", 0, Infinity, "positive"],
    ["temperature", 0, Infinity, "positive"],
    ["learningRate", 0, Infinity, "positive"],
    ["gradClip", 0, Infinity, "positive"],
    ["valueClip", 0, Infinity, "positive"],
  ];
  for (const [key, low, high, words] of ranges) {
    const v = c[key] as number;
    if (!(v > low && v < high)) throw new Error(`RlConfig.${key} must be ${words}, got ${v}.`);
  }
  const unitInterval = ["weightDecay", "beta1", "beta2", "accuracyLow", "accuracyHigh", "gamma", "lambda"] as const;
  for (const key of unitInterval) {
    if (!(c[key] >= 0 && c[key] <= 1)) throw new Error(`RlConfig.${key} must be in [0, 1], got ${c[key]}.`);
  }
  if (c.accuracyLow > c.accuracyHigh) {
    throw new Error(`RlConfig.accuracyLow (${c.accuracyLow}) must not exceed accuracyHigh (${c.accuracyHigh}).`);
  }
  if (!(c.valueCoef >= 0)) throw new Error(`RlConfig.valueCoef must be ≥ 0, got ${c.valueCoef}.`);
}
