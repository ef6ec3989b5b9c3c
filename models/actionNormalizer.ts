/**
 * Per-dimension action statistics and OpenVLA's BOUNDS_Q99 normalization.
 *
 * Source: OpenVLA `prismatic/vla/datasets/rlds/utils/data_utils.py` (`normalize_action_and_proprio`,
 * statistics in `get_dataset_statistics`) and SimpleVLA-RL's `_unnormalize_actions`
 * (`modeling_prismatic.py`), as summarised in reference/SIMPLEVLA_RL.md §2:
 *
 *   normalize:    y = clip(2(x − q01)/(q99 − q01 + 1e-8) − 1, −1, 1)      (y = 0 where min == max)
 *   unnormalize:  x = 0.5(y + 1)(q99 − q01 + 1e-8) + q01
 *
 * Both apply to the first six dims only (mask `[True]*6 + [False]`): the gripper (dim 6) passes through
 * unchanged, it is already ±1 in our env convention (−1 open, +1 close; DESIGN.md "Actions").
 *
 * Actions are stored action-major, `[S·A]` with A = 7: element `7·s + d` is dim d of step s.
 */
import { jsonObject } from "./jsonInput.ts";
import { ACTION_DIM } from "./types.ts";

/** Dims normalized with q01/q99 (0..5); the gripper (6) is not. */
export const NORMALIZED_DIMS = 6;
/** The guard added to the q01..q99 range, as OpenVLA. */
export const RANGE_EPS = 1e-8;

/** Per-dimension statistics of a dataset's actions; every field has ACTION_DIM (7) entries. */
export interface ActionStats {
  q01: number[];
  q99: number[];
  min: number[];
  max: number[];
  mean: number[];
  /** Population standard deviation (ddof = 0, as numpy's default `std`). */
  std: number[];
}

const FIELDS = ["q01", "q99", "min", "max", "mean", "std"] as const;

/**
 * The q-quantile of ascending `sorted` by numpy's default rule (`method="linear"`, Hyndman & Fan type 7):
 * position h = (n − 1)·q, t = h − ⌊h⌋, a = sorted[⌊h⌋], b = sorted[⌊h⌋ + 1], result = a + t(b − a).
 * Like numpy's `_lerp`, t ≥ 0.5 is evaluated as b − (1 − t)(b − a), so rounding never leaves [a, b].
 */
export function quantileLinear(sorted: ArrayLike<number>, q: number): number {
  const n = sorted.length;
  if (n === 0) throw new Error("quantileLinear needs at least one value; got an empty array.");
  if (!(q >= 0 && q <= 1)) throw new Error(`quantileLinear: q must be in [0, 1]; got ${q}.`);
  const h = (n - 1) * q;
  const lo = Math.floor(h);
  const hi = Math.min(lo + 1, n - 1);
  const t = h - lo;
  const a = sorted[lo];
  const b = sorted[hi];
  return t >= 0.5 ? b - (1 - t) * (b - a) : a + t * (b - a);
}

/**
 * Statistics of `actions` ([S·A], S ≥ 1 steps), computed in float64: q01/q99 by numpy's linear rule
 * (`quantileLinear`), min, max, mean and population std. All seven dims get statistics (the gripper's are
 * recorded, as OpenVLA does, but never used to normalize).
 */
export function computeActionStats(actions: Float32Array): ActionStats {
  if (actions.length === 0 || actions.length % ACTION_DIM !== 0) {
    throw new Error(
      `computeActionStats: actions must hold S·${ACTION_DIM} values for S ≥ 1 steps; got ${actions.length}.`,
    );
  }
  const steps = actions.length / ACTION_DIM;
  const stats: ActionStats = { q01: [], q99: [], min: [], max: [], mean: [], std: [] };
  const column = new Float64Array(steps);
  for (let d = 0; d < ACTION_DIM; d++) {
    let sum = 0;
    for (let s = 0; s < steps; s++) {
      const x = actions[s * ACTION_DIM + d];
      if (!Number.isFinite(x)) {
        throw new Error(`computeActionStats: action ${s} dim ${d} is ${x}; every value must be finite.`);
      }
      column[s] = x;
      sum += x;
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

/** One value of dim d (< 6): clip(2(x − q01)/(q99 − q01 + 1e-8) − 1, −1, 1), or 0 where min == max. */
export function normalizeValue(x: number, d: number, stats: ActionStats): number {
  if (stats.min[d] === stats.max[d]) return 0;
  const y = (2 * (x - stats.q01[d])) / (stats.q99[d] - stats.q01[d] + RANGE_EPS) - 1;
  return Math.min(1, Math.max(-1, y));
}

/** One value of dim d (< 6): 0.5(y + 1)(q99 − q01 + 1e-8) + q01. */
export function unnormalizeValue(y: number, d: number, stats: ActionStats): number {
  return 0.5 * (y + 1) * (stats.q99[d] - stats.q01[d] + RANGE_EPS) + stats.q01[d];
}

/** Env actions [S·A] → normalized actions [S·A]: dims 0–5 by BOUNDS_Q99, the gripper copied as is. */
export function normalizeActions(actions: Float32Array, stats: ActionStats): Float32Array {
  checkSteps("normalizeActions", actions.length);
  const out = new Float32Array(actions.length); // [S·A]
  for (let i = 0; i < actions.length; i++) {
    const d = i % ACTION_DIM;
    out[i] = d < NORMALIZED_DIMS ? normalizeValue(actions[i], d, stats) : actions[i];
  }
  return out;
}

/** Normalized actions [S·A] → env actions [S·A]: dims 0–5 un-normalized, the gripper copied as is. */
export function unnormalizeActions(normalized: Float32Array, stats: ActionStats): Float32Array {
  checkSteps("unnormalizeActions", normalized.length);
  const out = new Float32Array(normalized.length); // [S·A]
  for (let i = 0; i < normalized.length; i++) {
    const d = i % ACTION_DIM;
    out[i] = d < NORMALIZED_DIMS ? unnormalizeValue(normalized[i], d, stats) : normalized[i];
  }
  return out;
}

function checkSteps(fn: string, length: number): void {
  if (length % ACTION_DIM !== 0) {
    throw new Error(`${fn}: the array must hold S·${ACTION_DIM} values (whole actions); got ${length}.`);
  }
}

/** A plain JSON-ready copy of `stats` (the same six fields, seven numbers each). */
export function actionStatsToJSON(stats: ActionStats): ActionStats {
  const out = {} as ActionStats;
  for (const f of FIELDS) out[f] = [...stats[f]];
  return out;
}

/**
 * Reads statistics back from parsed JSON (or a JSON string), checking every field: each of q01, q99, min,
 * max, mean, std must be an array of seven finite numbers, with min ≤ q01 ≤ q99 ≤ max and std ≥ 0.
 * `where` names the source (a file path) in error messages.
 */
export function actionStatsFromJSON(value: unknown, where = "action statistics"): ActionStats {
  const record = jsonObject(value, where, `an object with fields ${FIELDS.join(", ")}`);
  const stats = {} as ActionStats;
  for (const f of FIELDS) {
    const v = record[f];
    if (!Array.isArray(v) || v.length !== ACTION_DIM || !v.every((x) => typeof x === "number" && Number.isFinite(x))) {
      throw new Error(`${where}: field '${f}' must be an array of ${ACTION_DIM} finite numbers; got ${describe(v)}.`);
    }
    stats[f] = [...(v as number[])];
  }
  for (let d = 0; d < ACTION_DIM; d++) {
    const { q01, q99, min, max, std } = stats;
    if (!(min[d] <= q01[d] && q01[d] <= q99[d] && q99[d] <= max[d])) {
      throw new Error(
        `${where}: dim ${d} must satisfy min ≤ q01 ≤ q99 ≤ max; got min ${min[d]}, q01 ${q01[d]}, q99 ${q99[d]}, max ${max[d]}.`,
      );
    }
    if (std[d] < 0) throw new Error(`${where}: field 'std' dim ${d} must be ≥ 0; got ${std[d]}.`);
  }
  return stats;
}

function describe(v: unknown): string {
  if (Array.isArray(v)) return `an array of length ${v.length}`;
  if (v === null) return "null";
  return typeof v === "object" ? "an object" : `${typeof v} ${String(v).slice(0, 40)}`;
}
