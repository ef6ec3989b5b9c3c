/**
 * Dataset statistics for the action tokenizer, OpenVLA's `dataset_statistics.json` idea: per dimension
 * q01, q99, min, max, mean and std of the actions (and of the proprio vector), over every step of every
 * episode left after dropping no-op steps, saved beside the demos under the key `<suite>_no_noops`
 * (SIMPLEVLA_RL.md §2: the original reads `libero_10_no_noops` etc.).
 *
 * The numbers follow `models/actionNormalizer.ts`'s `computeActionStats` exactly (float64, numpy's linear
 * quantile, population std, values in file order), which `sim/` cannot import (layering), so the rule is
 * restated here and test/sim/dataset.test.ts checks that both agree to the bit. `models/` could reuse
 * `dimensionStats` from here; `actionStatsFromJSON(json[key].action)` reads the action part back.
 *
 * File layout, as OpenVLA's:
 *   { "<suite>_no_noops": { "action": {mean, std, max, min, q01, q99, mask}, "proprio": {mean, std, max, min,
 *     q01, q99}, "num_transitions": N, "num_trajectories": E } }
 * with `mask` = [true × 6, false]: the gripper is not normalized (DESIGN.md "Action tokens").
 */
import { join } from "node:path";
import { writeFileAtomic } from "./atomicWrite.ts";
import { ACTION_DIM, PROPRIO_DIM, listDemoFiles } from "./format.ts";
import { DemoReader } from "./reader.ts";

/** Threshold on ‖a[0:6]‖ below which an action does not move the arm (OpenVLA). */
export const NOOP_THRESHOLD = 1e-4;
export const STATISTICS_FILE = "dataset_statistics.json";

/**
 * OpenVLA's no-op test (`experiments/robot/libero/regenerate_libero_dataset.py`, `is_noop`): the arm part
 * is (nearly) still, ‖a[0:6]‖ < 1e-4, and the gripper command equals that of the previous KEPT step (its
 * caller compares with the last action it kept, not the last one it saw). The first step has no previous
 * one, so only the norm counts. Same signature as `isNoOp` in algorithms/sft.ts.
 */
export function isNoOp(action: ArrayLike<number>, previousKept: ArrayLike<number> | null): boolean {
  let squared = 0;
  for (let d = 0; d < ACTION_DIM - 1; d++) squared += action[d] * action[d];
  const still = Math.sqrt(squared) < NOOP_THRESHOLD;
  if (previousKept === null) return still;
  return still && action[ACTION_DIM - 1] === previousKept[ACTION_DIM - 1];
}

/** Indices of the steps of `actions` [S·7] that are not no-ops, in order. */
export function keptSteps(actions: Float32Array): number[] {
  const kept: number[] = [];
  let previous: Float32Array | null = null;
  for (let s = 0; s < actions.length / ACTION_DIM; s++) {
    const action = actions.subarray(s * ACTION_DIM, (s + 1) * ACTION_DIM); // [A]
    if (isNoOp(action, previous)) continue;
    kept.push(s);
    previous = action;
  }
  return kept;
}

/** Per-dimension statistics, one number per dimension in each field. */
export interface DimensionStats {
  q01: number[];
  q99: number[];
  min: number[];
  max: number[];
  mean: number[];
  /** population standard deviation (ddof = 0, numpy's default) */
  std: number[];
}

/**
 * The q-quantile of ascending `sorted` by numpy's default rule (`method="linear"`, Hyndman & Fan type 7):
 * h = (n − 1)q, t = h − ⌊h⌋, a = sorted[⌊h⌋], b = sorted[⌊h⌋ + 1], result a + t(b − a), evaluated for t ≥ 0.5
 * as b − (1 − t)(b − a) as numpy's `_lerp` does. Example: [0, 10] at q = 0.99 gives h = 0.99,
 * 10 − 0.01·10 = 9.9.
 */
export function quantileLinear(sorted: ArrayLike<number>, q: number): number {
  const n = sorted.length;
  if (n === 0) throw new Error("quantileLinear needs at least one value; got an empty array.");
  const h = (n - 1) * q;
  const lo = Math.floor(h);
  const hi = Math.min(lo + 1, n - 1);
  const t = h - lo;
  const a = sorted[lo];
  const b = sorted[hi];
  return t >= 0.5 ? b - (1 - t) * (b - a) : a + t * (b - a);
}

/** Statistics of `values` [S·dims] (S ≥ 1), each column in float64 in the given order. */
export function dimensionStats(values: ArrayLike<number>, dims: number): DimensionStats {
  const steps = values.length / dims;
  if (!Number.isInteger(steps) || steps < 1) throw new Error(`dimensionStats: values must hold S·${dims} numbers for S ≥ 1; got ${values.length}.`);
  const stats: DimensionStats = { q01: [], q99: [], min: [], max: [], mean: [], std: [] };
  const column = new Float64Array(steps);
  for (let d = 0; d < dims; d++) {
    let sum = 0;
    for (let s = 0; s < steps; s++) {
      column[s] = values[s * dims + d];
      sum += column[s];
    }
    const mean = sum / steps;
    let squares = 0;
    for (let s = 0; s < steps; s++) squares += (column[s] - mean) ** 2;
    column.sort();
    stats.q01.push(quantileLinear(column, 0.01));
    stats.q99.push(quantileLinear(column, 0.99));
    stats.min.push(column[0]);
    stats.max.push(column[steps - 1]);
    stats.mean.push(mean);
    stats.std.push(Math.sqrt(squares / steps));
  }
  return stats;
}

export interface DatasetStatistics {
  action: DimensionStats & { mask: boolean[] };
  proprio: DimensionStats;
  /** steps kept after dropping no-ops */
  num_transitions: number;
  num_trajectories: number;
}

export interface StatisticsOptions {
  /** Only episodes with success = true count (default true, as OpenVLA's no-op-free sets hold only successes). */
  successfulOnly: boolean;
}

/** The key of a suite's statistics: `<suite>_no_noops`, as the original's checkpoints. */
export function statisticsKey(suite: string): string {
  return `${suite}_no_noops`;
}

/** Statistics over the kept steps of all episodes of `files`, in file order, read without their images. */
export async function computeDatasetStatistics(
  files: string[], options: Partial<StatisticsOptions> = {},
): Promise<DatasetStatistics> {
  const { successfulOnly } = { successfulOnly: true, ...options };
  const actions: number[] = [];
  const proprio: number[] = [];
  let trajectories = 0;
  for (const file of files) {
    const reader = await DemoReader.open(file);
    try {
      for await (const ep of reader.episodes({ images: false })) {
        if (successfulOnly && !ep.success) continue;
        trajectories++;
        for (const s of keptSteps(ep.actions)) {
          for (let d = 0; d < ACTION_DIM; d++) actions.push(ep.actions[s * ACTION_DIM + d]);
          for (let d = 0; d < PROPRIO_DIM; d++) proprio.push(ep.proprio[s * PROPRIO_DIM + d]);
        }
      }
    } finally {
      await reader.close();
    }
  }
  if (actions.length === 0) {
    throw new Error(`No steps to compute statistics from in ${files.join(", ") || "(no files)"}: every episode was a failure or all no-ops.`);
  }
  return {
    action: { ...dimensionStats(actions, ACTION_DIM), mask: [true, true, true, true, true, true, false] },
    proprio: dimensionStats(proprio, PROPRIO_DIM),
    num_transitions: actions.length / ACTION_DIM,
    num_trajectories: trajectories,
  };
}

/** Writes `{ "<suite>_no_noops": stats }` to `<dir>/dataset_statistics.json` atomically; returns the path. */
export async function writeDatasetStatistics(dir: string, suite: string, stats: DatasetStatistics): Promise<string> {
  const path = join(dir, STATISTICS_FILE);
  const json = JSON.stringify({ [statisticsKey(suite)]: stats }, null, 2) + "\n";
  await writeFileAtomic(path, [Buffer.from(json, "utf8")]);
  return path;
}

/**
 * Statistics of a whole suite directory (`<root>/<suite>/task*.demos`, in task order), written beside the
 * demos as `<root>/<suite>/dataset_statistics.json`.
 */
export async function writeSuiteStatistics(
  root: string, suite: string, options: Partial<StatisticsOptions> = {},
): Promise<{ path: string; stats: DatasetStatistics }> {
  const dir = join(root, suite);
  const files = await listDemoFiles(dir);
  if (files.length === 0) throw new Error(`${dir} holds no task<id>.demos files; generate the demos first.`);
  const stats = await computeDatasetStatistics(files, options);
  return { path: await writeDatasetStatistics(dir, suite, stats), stats };
}
