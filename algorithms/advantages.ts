/**
 * Advantage estimators for the 0/1 outcome reward: GRPO (the original's), RLOO (RIPT-VLA's) and GAE (PPO
 * with a value head), plus a registry so the trainer picks one by its config value.
 *
 * All three return one advantage per chunk step of each trajectory; the update copies it to that chunk
 * step's 56 tokens and the token mask then drops the tokens past finishStep·7. For GRPO and RLOO every
 * chunk step of a trajectory gets the same number (outcome supervision).
 *
 * Shape letters (STYLE.md): N trajectories, G group size, S chunk steps.
 * Rewards here are 0/1. The original writes 5·acc (`verifier.reward_coef` 5); under GRPO's normalization
 * the factor cancels, so 0/1 gives the same advantages (SIMPLEVLA_RL.md §1, Advantage).
 */

/** GRPO's epsilon in the denominator (veRL `compute_grpo_outcome_advantage`). */
export const GRPO_EPSILON = 1e-6;

function checkGroups(rewards: readonly number[], groupSize: number): void {
  if (!Number.isInteger(groupSize) || groupSize < 1) {
    throw new Error(`groupSize must be a positive integer, got ${groupSize}.`);
  }
  if (rewards.length % groupSize !== 0) {
    throw new Error(
      `rewards has ${rewards.length} entries, which is not a whole number of groups of groupSize ${groupSize}.`,
    );
  }
  rewards.forEach((r, i) => {
    if (!Number.isFinite(r)) throw new Error(`rewards[${i}] must be a finite number, got ${r}.`);
  });
}

/**
 * Group-relative advantage (GRPO), groups being contiguous runs of `groupSize` trajectories:
 *   A_i = (r_i − mean_g r) / (std_g r + 1e-6),   std unbiased: sqrt(Σ (r_j − mean)² / (G − 1)).
 * Source: veRL `compute_grpo_outcome_advantage` (torch.std is the N−1 estimate), SIMPLEVLA_RL.md §1.
 * An all-equal group has std 0, so every member gets 0/1e-6 = 0, never NaN. A group of one has no std;
 * veRL then uses mean 0 and std 1, i.e. A = r, and so do we.
 * @param rewards [N] outcome rewards, N = (number of groups)·G
 * @returns [N] advantages
 */
export function grpoAdvantages(rewards: readonly number[], groupSize: number): number[] {
  checkGroups(rewards, groupSize);
  const advantages = new Array<number>(rewards.length);
  for (let start = 0; start < rewards.length; start += groupSize) {
    const group = rewards.slice(start, start + groupSize); // [G]
    if (groupSize === 1) {
      advantages[start] = group[0];
      continue;
    }
    const mean = group.reduce((a, b) => a + b, 0) / groupSize;
    const variance = group.reduce((a, r) => a + (r - mean) ** 2, 0) / (groupSize - 1);
    const std = Math.sqrt(variance);
    group.forEach((r, j) => {
      advantages[start + j] = (r - mean) / (std + GRPO_EPSILON);
    });
  }
  return advantages;
}

/**
 * Leave-one-out baseline (RLOO, as RIPT-VLA uses it):
 *   A_i = r_i − (1/(G−1)) Σ_{j≠i} r_j  =  G/(G−1) · (r_i − mean_g r).
 * No division by a std, so the 0/1 reward scale matters. Needs G ≥ 2.
 * Source: Ahmadian et al. 2024 "Back to Basics: Revisiting REINFORCE Style Optimization for Learning from
 * Human Feedback in LLMs" (RLOO); Tan et al. 2025 RIPT-VLA uses it with its own dynamic rejection.
 * @param rewards [N] outcome rewards
 * @returns [N] advantages
 */
export function rlooAdvantages(rewards: readonly number[], groupSize: number): number[] {
  checkGroups(rewards, groupSize);
  if (groupSize < 2) throw new Error(`rlooAdvantages needs groupSize ≥ 2 for a leave-one-out baseline, got ${groupSize}.`);
  const advantages = new Array<number>(rewards.length);
  for (let start = 0; start < rewards.length; start += groupSize) {
    let sum = 0;
    for (let j = 0; j < groupSize; j++) sum += rewards[start + j];
    for (let j = 0; j < groupSize; j++) {
      const others = (sum - rewards[start + j]) / (groupSize - 1);
      advantages[start + j] = rewards[start + j] - others;
    }
  }
  return advantages;
}

/**
 * Per-chunk-step rewards of one trajectory: 0 everywhere, the outcome on its last executed chunk step (the
 * chunk step holding token finishStep·7 − 1, where the original writes its token-level reward).
 */
export function chunkStepRewards(chunkSteps: number, outcome: number): number[] {
  const rewards = new Array<number>(chunkSteps).fill(0); // [S]
  if (chunkSteps > 0) rewards[chunkSteps - 1] = outcome;
  return rewards;
}

/**
 * Generalized advantage estimation over the chunk steps of ONE trajectory (a chunk step is the MDP step:
 * one observation, one sampled chunk). The trajectory ends after its last entry; the value after the end is
 * `bootstrapValue` (0: the episode ended, by success or by the step limit, and the reward is an outcome).
 *   δ_t = r_t + γ·V_{t+1} − V_t,   A_t = δ_t + γλ·A_{t+1},   A_{S} = 0,   returns R_t = A_t + V_t.
 * Source: Schulman et al. 2016 "High-Dimensional Continuous Control Using GAE", eq. 16; the backwards
 * recursion as CleanRL `ppo_continuous_action.py`.
 * @param rewards [S] per chunk step (see `chunkStepRewards`)
 * @param values [S] value estimates V(s_t)
 */
export function gae(
  rewards: readonly number[],
  values: readonly number[],
  gamma: number,
  lambda: number,
  bootstrapValue = 0,
): { advantages: number[]; returns: number[] } {
  if (rewards.length !== values.length) {
    throw new Error(`rewards (${rewards.length}) and values (${values.length}) must have one entry per chunk step each.`);
  }
  if (!(gamma >= 0 && gamma <= 1)) throw new Error(`gamma must be in [0, 1], got ${gamma}.`);
  if (!(lambda >= 0 && lambda <= 1)) throw new Error(`lambda must be in [0, 1], got ${lambda}.`);
  const steps = rewards.length;
  const advantages = new Array<number>(steps); // [S]
  let nextAdvantage = 0;
  let nextValue = bootstrapValue;
  for (let t = steps - 1; t >= 0; t--) {
    const delta = rewards[t] + gamma * nextValue - values[t];
    nextAdvantage = delta + gamma * lambda * nextAdvantage;
    advantages[t] = nextAdvantage;
    nextValue = values[t];
  }
  const returns = advantages.map((a, t) => a + values[t]);
  return { advantages, returns };
}

/** What every estimator is given for a batch of N trajectories in group order. */
export interface AdvantageInput {
  /** [N] 0/1 outcomes. */
  rewards: readonly number[];
  groupSize: number;
  /** [N] chunk steps executed per trajectory. */
  chunkSteps: readonly number[];
  /** [N][S_n] value estimates per chunk step; only the "ppo" estimator reads them. */
  values?: readonly (readonly number[])[];
  gamma: number;
  lambda: number;
}

/** [N][S_n] advantage per chunk step; `returns` (value targets) only from estimators with a critic. */
export interface AdvantageOutput {
  stepAdvantages: number[][];
  returns?: number[][];
}

export interface AdvantageEstimator {
  /** Whether `estimate` needs `values` (and the update a value head). */
  needsValues: boolean;
  estimate(input: AdvantageInput): AdvantageOutput;
}

export type AdvantageName = "grpo" | "rloo" | "ppo";

function broadcastToSteps(perTrajectory: number[], chunkSteps: readonly number[]): number[][] {
  return perTrajectory.map((a, n) => new Array<number>(chunkSteps[n]).fill(a));
}

/** The estimators by config name; the trainer looks one up instead of branching. */
export const advantageEstimators: Record<AdvantageName, AdvantageEstimator> = {
  grpo: {
    needsValues: false,
    estimate: ({ rewards, groupSize, chunkSteps }) => ({
      stepAdvantages: broadcastToSteps(grpoAdvantages(rewards, groupSize), chunkSteps),
    }),
  },
  rloo: {
    needsValues: false,
    estimate: ({ rewards, groupSize, chunkSteps }) => ({
      stepAdvantages: broadcastToSteps(rlooAdvantages(rewards, groupSize), chunkSteps),
    }),
  },
  ppo: {
    needsValues: true,
    estimate: ({ rewards, chunkSteps, values, gamma, lambda }) => {
      if (!values || values.length !== rewards.length) {
        throw new Error(`the "ppo" estimator needs values: one array of per-chunk-step values per trajectory.`);
      }
      const stepAdvantages: number[][] = [];
      const returns: number[][] = [];
      rewards.forEach((r, n) => {
        const result = gae(chunkStepRewards(chunkSteps[n], r), values[n], gamma, lambda);
        stepAdvantages.push(result.advantages);
        returns.push(result.returns);
      });
      return { stepAdvantages, returns };
    },
  },
};

/** Looks an estimator up by name with a clear error for an unknown one. */
export function getAdvantageEstimator(name: string): AdvantageEstimator {
  if (!Object.hasOwn(advantageEstimators, name)) {
    throw new Error(`Unknown advantage estimator "${name}"; use one of ${Object.keys(advantageEstimators).join(", ")}.`);
  }
  return advantageEstimators[name as AdvantageName];
}
