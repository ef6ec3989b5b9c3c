/**
 * Greedy evaluation of the policy on init states of one split (held-out by default: reported success never
 * uses training states, DESIGN.md), `trials` per task (indices 0..trials−1), with GIFs of a success and a
 * failure. Used before RL (step 0, the "before" column of the report), every `eval.interval` RL steps, at the
 * end, and by `npm run eval`.
 */
import path from "node:path";
import type { ActionStats } from "../../models/actionNormalizer.ts";
import type { TextTokenizer } from "../../models/textTokenizer.ts";
import type { RolloutPolicy } from "../../algorithms/rollout/collect.ts";
import { evaluate } from "../../algorithms/rollout/evaluate.ts";
import type { WorkerPool } from "../../algorithms/rollout/workerPool.ts";
import { METRIC, perTask, type MetricsRecord } from "../metrics.ts";
import { progress } from "../progress.ts";
import { videoFileName, writeGif } from "../report/gif.ts";
import { initStateId, taskKey, taskLookup } from "./taskEnvs.ts";

export interface EvalStageOptions {
  pool: WorkerPool;
  model: RolloutPolicy;
  tokenizer: TextTokenizer;
  stats: ActionStats;
  suite: string;
  tasks: readonly number[];
  maxSteps: number;
  trials: number;
  split: "train" | "heldout";
  /** The RL step the evaluation follows (0 = after SFT); names the GIFs. */
  step: number;
  /** Where GIFs go; none are written without it. */
  videosDir?: string;
  /** `all`: a success and a failure of every task (npm run eval); `one`: one of each overall (training). */
  videos?: "one" | "all";
  label?: string;
}

export interface EvalStageResult {
  successRate: number;
  /** Success rate per task id, in the order of `tasks`. */
  perTask: Map<number, { successes: number; trials: number; rate: number }>;
  seconds: number;
  /** GIF paths written. */
  videos: string[];
}

/** One greedy episode per (task, trial); per-task success and GIFs. */
export async function runEvaluation(o: EvalStageOptions): Promise<EvalStageResult> {
  const lookup = taskLookup({ suite: o.suite, maxSteps: o.maxSteps });
  const episodes = o.tasks.flatMap((taskId) =>
    Array.from({ length: o.trials }, (_, index) => ({ taskKey: taskKey(o.suite, taskId), initStateId: initStateId(o.suite, taskId, o.split, index) })),
  );
  const bar = progress(o.label ?? `eval s${o.step}`, episodes.length);
  let reported = 0;
  const t0 = performance.now();
  const result = await evaluate({
    pool: o.pool, model: o.model, tokenizer: o.tokenizer, stats: o.stats, ...lookup, episodes,
    // One frame per chunk (8 env steps), up to a whole 520-step episode.
    framesPerEpisode: o.videosDir ? 66 : 0,
    frameEvery: 1,
    onIteration: ({ done }) => {
      if (done > reported) bar.tick(done - reported);
      reported = done;
    },
  });
  const perTaskRates = new Map<number, { successes: number; trials: number; rate: number }>();
  for (const taskId of o.tasks) {
    const t = result.perTask[taskKey(o.suite, taskId)];
    perTaskRates.set(taskId, { successes: t.successes, trials: t.trials, rate: t.rate });
  }
  bar.done({ success: result.successRate });

  const videos: string[] = [];
  if (o.videosDir) {
    // The gallery wants a success and a failure: the first of each (per task with `all`), in episode order.
    const wanted = new Set<string>();
    result.rollouts.forEach((r, i) => {
      const key = `${o.videos === "all" ? r.taskId : "any"}/${r.success}`;
      if (wanted.has(key) || result.frames[i].length === 0) return;
      wanted.add(key);
      const file = path.join(o.videosDir!, videoFileName({ step: o.step, taskId: r.taskId, index: r.init.index, success: r.success }));
      writeGif(file, result.frames[i], { fps: 5 });
      videos.push(file);
    });
  }
  return { successRate: result.successRate, perTask: perTaskRates, seconds: (performance.now() - t0) / 1000, videos };
}

/** The metrics record of an evaluation after RL step `step`. */
export function evalRecord(step: number, time: number, r: EvalStageResult): MetricsRecord {
  const rec: MetricsRecord = { phase: "eval", step, [METRIC.time]: time, [METRIC.evalSuccess]: r.successRate, [`${METRIC.timePrefix}eval`]: r.seconds };
  for (const [taskId, t] of r.perTask) rec[perTask(METRIC.evalSuccess, taskId)] = t.rate;
  return rec;
}
