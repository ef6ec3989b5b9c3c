/**
 * Dynamic sampling (DAPO, as SimpleVLA-RL runs it): keep only groups whose success rate is strictly mixed,
 * draw more groups until the batch is full; and the epoch-wise sampler of training init states.
 *
 * Shape letters (STYLE.md): G group size.
 */
import type { Rng } from "../models/types.ts";

/**
 * Whether a group is kept: its success rate p = mean(successes) lies in [low, high], inclusive.
 * With the original's 0.1 / 0.9 and G = 8 (rates 0, 1/8, …, 1) this drops exactly the all-fail and
 * all-success groups, whose GRPO advantages are all zero and so carry no gradient.
 * Source: `filter` in veRL `ray_trainer.py` as SimpleVLA-RL runs it (`data.filter_accuracy`,
 * `accuracy_lower_bound` 0.1, `accuracy_upper_bound` 0.9; SIMPLEVLA_RL.md §1, Dynamic sampling).
 * @param successes [G]
 */
export function keepGroup(successes: readonly boolean[], low = 0.1, high = 0.9): boolean {
  if (successes.length === 0) throw new Error("keepGroup needs a non-empty group of successes.");
  if (!(low <= high)) throw new Error(`keepGroup needs low ≤ high, got low ${low} and high ${high}.`);
  const rate = successes.filter(Boolean).length / successes.length;
  return rate >= low && rate <= high;
}

export interface GroupCollectorConfig {
  /** Kept groups that make a full batch (original: train_batch_size 64). */
  groupsPerBatch: number;
  /** Draws (calls to `offer`) after which the collector stops even if the batch is not full. */
  maxDraws: number;
  /** Success-rate bounds of `keepGroup` (original 0.1 / 0.9). */
  low: number;
  high: number;
}

/** What happened while a batch was collected. */
export interface CollectionStats {
  /** Draws offered. */
  draws: number;
  groupsSeen: number;
  /** Groups that passed the filter (including any surplus that was dropped). */
  groupsPassed: number;
  /** Success rate over every trajectory seen, before filtering: the honest training success rate. */
  successRateBeforeFilter: number;
  /** groupsPassed / groupsSeen. */
  keptFraction: number;
  /** "full": batch complete; "partial": draws ran out, update on what was kept; "skip": nothing kept. */
  outcome: "full" | "partial" | "skip";
}

/**
 * Accumulates kept groups across draws until `groupsPerBatch` are kept or `maxDraws` draws were made.
 *
 * The original keeps drawing until the batch is full, throws surplus groups away, and when the epoch's data
 * runs out first it discards the partial batch and the step is skipped (issue #28: on per-task training
 * whole tasks get skipped). Here the number of draws is capped instead; at the cap the update runs on the
 * groups kept so far (the loss is a mean over trajectories, so a smaller batch is still unbiased), and only
 * when none was kept is the step skipped. Surplus groups beyond a full batch are dropped, as the original.
 */
export class GroupCollector<Trajectory extends { success: boolean }> {
  private readonly kept: Trajectory[][] = [];
  private draws = 0;
  private groupsSeen = 0;
  private groupsPassed = 0;
  private trajectoriesSeen = 0;
  private successesSeen = 0;

  constructor(private readonly config: GroupCollectorConfig) {
    if (!Number.isInteger(config.groupsPerBatch) || config.groupsPerBatch < 1) {
      throw new Error(`groupsPerBatch must be a positive integer, got ${config.groupsPerBatch}.`);
    }
    if (!Number.isInteger(config.maxDraws) || config.maxDraws < 1) {
      throw new Error(`maxDraws must be a positive integer, got ${config.maxDraws}.`);
    }
  }

  /** Offers one draw of groups (each a list of G trajectories from the same init state). */
  offer(groups: readonly (readonly Trajectory[])[]): void {
    if (this.done) throw new Error("GroupCollector.offer was called after the collector was done; call take().");
    this.draws++;
    for (const group of groups) {
      const successes = group.map((t) => t.success);
      this.groupsSeen++;
      this.trajectoriesSeen += group.length;
      this.successesSeen += successes.filter(Boolean).length;
      if (!keepGroup(successes, this.config.low, this.config.high)) continue;
      this.groupsPassed++;
      if (this.kept.length < this.config.groupsPerBatch) this.kept.push([...group]);
    }
  }

  get full(): boolean {
    return this.kept.length >= this.config.groupsPerBatch;
  }

  /** True once the batch is full or the draw cap is reached: stop rolling out and call `take`. */
  get done(): boolean {
    return this.full || this.draws >= this.config.maxDraws;
  }

  /** Groups still missing from a full batch (what the next draw should aim at). */
  get missingGroups(): number {
    return Math.max(0, this.config.groupsPerBatch - this.kept.length);
  }

  /** The kept groups (at most groupsPerBatch) in the order they were drawn, and the statistics. */
  take(): { groups: Trajectory[][]; stats: CollectionStats } {
    const outcome = this.full ? "full" : this.kept.length > 0 ? "partial" : "skip";
    return {
      groups: this.kept.slice(),
      stats: {
        draws: this.draws,
        groupsSeen: this.groupsSeen,
        groupsPassed: this.groupsPassed,
        successRateBeforeFilter: this.trajectoriesSeen > 0 ? this.successesSeen / this.trajectoriesSeen : 0,
        keptFraction: this.groupsSeen > 0 ? this.groupsPassed / this.groupsSeen : 0,
        outcome,
      },
    };
  }
}

/** A training init state: task and index (split "train", DESIGN.md: init states). */
export interface TrainPair {
  taskId: number;
  index: number;
}

/**
 * Epochs over all (task, index) pairs of the training split, each epoch in a fresh Fisher–Yates order drawn
 * from the given seeded RNG. Like the original's dataloader, an item is one init state that becomes one
 * group of G rollouts. Unlike it (drop_last, and a partial batch discarded at the epoch's end), `next(k)`
 * continues into the next epoch, so no init state is systematically skipped.
 */
export class TrainPairSampler {
  private order: TrainPair[] = [];
  private cursor = 0;
  private epochCount = 0;

  constructor(
    private readonly taskIds: readonly number[],
    private readonly indicesPerTask: number,
    private readonly rng: Rng,
  ) {
    if (taskIds.length === 0) throw new Error("TrainPairSampler needs at least one task id.");
    if (!Number.isInteger(indicesPerTask) || indicesPerTask < 1) {
      throw new Error(`indicesPerTask must be a positive integer (LIBERO has 50), got ${indicesPerTask}.`);
    }
  }

  /** Completed passes over all pairs, plus one for the pass in progress once started. */
  get epoch(): number {
    return this.epochCount;
  }

  /** The next `count` pairs, crossing into a freshly shuffled epoch when one runs out. */
  next(count: number): TrainPair[] {
    if (!Number.isInteger(count) || count < 0) throw new Error(`count must be a non-negative integer, got ${count}.`);
    const out: TrainPair[] = [];
    while (out.length < count) {
      if (this.cursor >= this.order.length) this.startEpoch();
      out.push(this.order[this.cursor++]);
    }
    return out;
  }

  private startEpoch(): void {
    const pairs: TrainPair[] = [];
    for (const taskId of this.taskIds) for (let index = 0; index < this.indicesPerTask; index++) pairs.push({ taskId, index });
    for (let i = pairs.length - 1; i > 0; i--) {
      const j = Math.floor(this.rng() * (i + 1));
      [pairs[i], pairs[j]] = [pairs[j], pairs[i]];
    }
    this.order = pairs;
    this.cursor = 0;
    this.epochCount++;
  }
}
