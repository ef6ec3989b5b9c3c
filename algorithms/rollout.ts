/**
 * The rollout record: what the rollout engine hands to the algorithms for one trajectory (DESIGN.md,
 * "Contracts between the parts"), and the token mask that says which of its action tokens were executed.
 *
 * Shape letters (STYLE.md): N trajectories, S chunk steps, C chunk length (8), A action dims (7).
 */
import { ACTION_DIM, ACTION_SLOTS, CHUNK_LEN } from "../models/types.ts";
import type { InitStateId } from "../sim/envTypes.ts";

/** Which init state of its task a trajectory started from: split and index 0..49 (DESIGN.md: init states). */
export type InitRef = Pick<InitStateId, "split" | "index">;

/**
 * One chunk step: the policy saw `image` and sampled the 56 `tokens` (slot s = 7·t + d, action-major),
 * after which up to 8 env steps were executed open-loop.
 */
export interface RolloutStep {
  /** 128·128·3 agentview RGB, row 0 at top, exactly as the env returned it (before any crop). */
  image: Uint8Array;
  /** [56] sampled action tokens in 0..255. */
  tokens: Int32Array;
  /** [56] log-probs at sampling time (temperature T), for diagnostics only: the update recomputes them. */
  samplingLogProbs: Float32Array;
}

/**
 * One trajectory of the rollout engine, as consumed by the advantage estimators and the update.
 * (suite, taskId, init.split, init.index) is the trajectory's `InitStateId` in `sim/`.
 */
export interface Rollout {
  suite: string;
  taskId: number;
  /** The language instruction the policy was conditioned on. */
  instruction: string;
  init: InitRef;
  /** Trajectories with the same groupId started from the same init state (GRPO's group). */
  groupId: number;
  /** The chunk steps that were executed, in order: ceil(finishStep / 8) of them. */
  steps: RolloutStep[];
  /** Counted env steps executed (the 10 wait steps excluded); the episode ends at the first success. */
  finishStep: number;
  /** Whether the task's goal held at finishStep: the 0/1 reward. */
  success: boolean;
}

/**
 * Number of valid tokens of a trajectory: every executed env step contributes its 7 action tokens.
 *
 * Flattening chunk step c, action t ∈ 0..7 and dim d ∈ 0..6 gives token index i = 56·c + 7·t + d, whose
 * env step is e = 8·c + t. Because 0 ≤ d ≤ 6, "e < finishStep" is the same as "i < 7·finishStep", which is
 * the original's mask `token index < finish_step * 7` (SIMPLEVLA_RL.md §1, Log-probs). Example: finishStep
 * 10 keeps chunk 0 whole (56 tokens) and the first two actions of chunk 1 (tokens 56..69): 70 = 10·7.
 */
export function validTokenCount(finishStep: number): number {
  return finishStep * ACTION_DIM;
}

/**
 * Token mask [N, S·56] as a flat Float32Array (1 valid, 0 masked), where S = `chunkSteps`.
 * Valid means token index < finishStep·7 (see `validTokenCount`).
 */
export function tokenMask(finishSteps: readonly number[], chunkSteps: number): Float32Array {
  if (!Number.isInteger(chunkSteps) || chunkSteps < 0) {
    throw new Error(`chunkSteps must be a non-negative integer, got ${chunkSteps}.`);
  }
  const width = chunkSteps * ACTION_SLOTS;
  const mask = new Float32Array(finishSteps.length * width); // [N, S·56]
  finishSteps.forEach((finishStep, n) => {
    if (!Number.isInteger(finishStep) || finishStep < 0 || finishStep > chunkSteps * CHUNK_LEN) {
      throw new Error(
        `finishSteps[${n}] must be an integer in 0..${chunkSteps * CHUNK_LEN} (chunkSteps·8), got ${finishStep}.`,
      );
    }
    mask.fill(1, n * width, n * width + validTokenCount(finishStep));
  });
  return mask;
}

/** Number of chunk steps a trajectory of `finishStep` env steps needed: ceil(finishStep / 8). */
export function chunkStepsFor(finishStep: number): number {
  return Math.ceil(finishStep / CHUNK_LEN);
}

/**
 * Checks that a rollout is internally consistent (step count matches finishStep, token arrays have 56 slots),
 * so that a bug in the rollout engine surfaces here with a sentence instead of as a silently wrong loss.
 */
export function validateRollout(rollout: Rollout, where = "rollout"): void {
  if (!Number.isInteger(rollout.finishStep) || rollout.finishStep < 1) {
    throw new Error(`${where}.finishStep must be a positive integer (env steps executed), got ${rollout.finishStep}.`);
  }
  const expected = chunkStepsFor(rollout.finishStep);
  if (rollout.steps.length !== expected) {
    throw new Error(
      `${where}.steps has ${rollout.steps.length} chunk steps but finishStep ${rollout.finishStep} needs ceil(${rollout.finishStep}/8) = ${expected}.`,
    );
  }
  rollout.steps.forEach((step, c) => {
    if (step.tokens.length !== ACTION_SLOTS) {
      throw new Error(`${where}.steps[${c}].tokens must hold ${ACTION_SLOTS} tokens, got ${step.tokens.length}.`);
    }
  });
}
