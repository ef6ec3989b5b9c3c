/**
 * The bridge from the CLI's `rl` section to the algorithms' `RlConfig` (algorithms/rlConfig.ts): the keys
 * the command line exposes come from the run's config, every other knob (AdamW betas and weight decay,
 * gradient clip, slice length, PPO value-head settings) keeps the original's default from `defaultRlConfig`.
 */
import { defaultRlConfig, validateRlConfig, type RlConfig } from "../../algorithms/rlConfig.ts";
import { UserError } from "../cli/errors.ts";
import type { ResolvedTrainConfig } from "./trainConfig.ts";

/** Throws a UserError if the algorithms reject the combination (the CLI's own checks come first). */
export function rlConfigFrom(cfg: ResolvedTrainConfig): RlConfig {
  const rl: RlConfig = {
    ...defaultRlConfig(),
    advantage: cfg.run.algo,
    groupSize: cfg.rl.groupSize,
    groupsPerBatch: cfg.rl.batch,
    miniBatchTrajectories: cfg.rl.miniBatch,
    learningRate: cfg.rl.lr,
    temperature: cfg.rl.temperature,
    clipLow: cfg.rl.clipLow,
    clipHigh: cfg.rl.clipHigh,
    accuracyLow: cfg.rl.accuracyLow,
    accuracyHigh: cfg.rl.accuracyHigh,
  };
  try {
    validateRlConfig(rl);
  } catch (e) {
    throw new UserError(`the rl settings do not fit together: ${(e as Error).message}`);
  }
  return rl;
}
