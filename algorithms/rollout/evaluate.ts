/**
 * Greedy evaluation: one episode per init state with argmax decoding (the original's validation,
 * SIMPLEVLA_RL.md §1 "Validation"), success counted per task. Reported success uses held-out init states
 * (DESIGN.md "No test-set leakage"); which ones is the caller's choice.
 */
import type { InitStateId } from "../../sim/envTypes.ts";
import type { Rollout } from "../rollout.ts";
import { type CollectOptions, collectRollouts, type RolloutTiming } from "./collect.ts";

export interface EvalEpisode {
  taskKey: string;
  initStateId: InitStateId;
}

export type EvaluateOptions = Pick<CollectOptions, "pool" | "model" | "tokenizer" | "stats" | "instructionOf" | "envSpecOf" | "framesPerEpisode" | "frameEvery" | "onIteration"> & {
  episodes: EvalEpisode[];
};

export interface TaskSuccess {
  trials: number;
  successes: number;
  /** successes / trials */
  rate: number;
}

export interface EvaluateResult {
  /** Per task key, in the order the tasks first appear in `episodes`. */
  perTask: Record<string, TaskSuccess>;
  /** Mean success over all episodes (the original's metric: the mean of `complete`). */
  successRate: number;
  /** One rollout per episode, in the order of `episodes`. */
  rollouts: Rollout[];
  frames: Uint8Array[][];
  timing: RolloutTiming;
}

export async function evaluate(options: EvaluateOptions): Promise<EvaluateResult> {
  const { episodes } = options;
  if (episodes.length === 0) throw new Error("evaluate: episodes is empty; pass at least one (taskKey, initStateId).");
  const result = await collectRollouts({
    ...options,
    groups: episodes.map((ep, i) => ({ groupId: i, taskKey: ep.taskKey, initStateId: ep.initStateId })),
    groupSize: 1,
    greedy: true,
    temperature: 1,
    rlStep: 0,
    seed: 0,
  });
  const perTask: Record<string, TaskSuccess> = {};
  episodes.forEach((ep, i) => {
    const t = (perTask[ep.taskKey] ??= { trials: 0, successes: 0, rate: 0 });
    t.trials++;
    if (result.rollouts[i].success) t.successes++;
  });
  for (const t of Object.values(perTask)) t.rate = t.successes / t.trials;
  const successes = result.rollouts.filter((r) => r.success).length;
  return { perTask, successRate: successes / episodes.length, rollouts: result.rollouts, frames: result.frames, timing: result.timing };
}
