/**
 * The RL stage: SimpleVLA-RL's training loop (SIMPLEVLA_RL.md §1) on the SFT policy, one RL step at a time.
 *
 * One RL step, top to bottom:
 *   1) rollout: draw `rl.batch` training init states (task, index) from the epoch sampler, run G sampled
 *      episodes from each (temperature 1.6), and keep groups whose success rate is in [0.1, 0.9] (dynamic
 *      sampling); draw again until `rl.batch` groups are kept or the draw cap is hit (no group kept: the
 *      update is skipped and the skip logged);
 *   2) advantages: group-relative, from the 0/1 rewards (GRPO; RLOO with --algo rloo);
 *   3) update: old log-probs recomputed with the rollout's weights, one pass of clipped-surrogate AdamW
 *      steps over mini-batches of `rl.miniBatch` trajectories (ppoUpdate does 2 and 3);
 *   4) evaluate and log: greedy evaluation on held-out init states every `eval.interval` steps, one
 *      metrics line per step, then the checkpoint `<runDir>/rl/`.
 *
 * Resuming is exact: the checkpoint after step k holds the weights, the AdamW moments (float32), k, and how
 * many init states the sampler has handed out; the sampler is rebuilt from the run's seed and fast-forwarded,
 * and every episode's randomness is keyed by (seed, RL step, group, member) (collect.ts). So a resumed run
 * draws the same next batch and produces the same curve, bit for bit on the wasm and cpu backends.
 */
import seedrandom from "seedrandom";
import type { ActionStats } from "../../models/actionNormalizer.ts";
import { restoreOptimizer, restoreWeights, saveCheckpoint } from "../../models/checkpoint.ts";
import { AdamW } from "../../models/optim.ts";
import type { TextTokenizer } from "../../models/textTokenizer.ts";
import type { Vla } from "../../models/vla.ts";
import { GroupCollector, TrainPairSampler } from "../../algorithms/dynamicSampling.ts";
import { ppoUpdate, updateVariables, type UpdateDiagnostics } from "../../algorithms/ppoUpdate.ts";
import type { RlConfig } from "../../algorithms/rlConfig.ts";
import type { Rollout } from "../../algorithms/rollout.ts";
import { collectRollouts, type RolloutPolicy } from "../../algorithms/rollout/collect.ts";
import { ValueHead } from "../../algorithms/valueHead.ts";
import type { WorkerPool } from "../../algorithms/rollout/workerPool.ts";
import { INIT_STATES_PER_SPLIT } from "../../sim/tasks/initStateId.ts";
import { Interrupted, interruptSignal, UserError } from "../cli/errors.ts";
import type { ResolvedTrainConfig } from "../config/trainConfig.ts";
import { rlConfigFrom } from "../config/rlConfigFrom.ts";
import { METRIC, perTask, type MetricsRecord, type MetricsWriter } from "../metrics.ts";
import { progress } from "../progress.ts";
import { evalRecord, runEvaluation } from "./evalStage.ts";
import { makeExtras, observationEncoder, readExtras } from "./policy.ts";
import { hasCheckpoint, loadRunCheckpoint, type RunPaths } from "./runDir.ts";
import { restoreJoint, splitForCheckpoint } from "./valueHeadState.ts";
import { initStateId, taskKey, taskLookup } from "./taskEnvs.ts";

export interface RlStageOptions {
  config: ResolvedTrainConfig;
  paths: RunPaths;
  /** Holds the SFT weights (a fresh RL stage starts from them). */
  model: Vla;
  /** What computes the rollouts' forward passes (the model itself, or a ParallelPolicy over it); default the model. */
  rolloutModel?: RolloutPolicy;
  tokenizer: TextTokenizer;
  stats: ActionStats;
  pool: WorkerPool;
  metrics: MetricsWriter;
  elapsed: () => number;
  resumeHint: string;
  log: (line: string) => void;
  /** Algorithm knobs the CLI does not expose (tests lower `maxDrawsPerBatch`). */
  rlOverrides?: Partial<RlConfig>;
}

/** What the step's metrics need of a drawn episode. */
type EpisodeSummary = Pick<Rollout, "taskId" | "success" | "finishStep">;

const seconds = (since: number) => (performance.now() - since) / 1000;

/** Runs RL steps from the last checkpoint (or 0) to `run.steps`; on return the model holds the RL weights. */
export async function runRlStage(o: RlStageOptions): Promise<void> {
  const { config, paths, model, tokenizer, stats, pool, metrics } = o;
  const rolloutModel = o.rolloutModel ?? model;
  const { run, rl } = config;
  const rlConfig: RlConfig = { ...rlConfigFrom(config), ...o.rlOverrides };
  const G = rl.groupSize;
  // PPO (--algo ppo) adds a value head over the VLA's features; one AdamW steps both (ppoUpdate's order).
  const valueHead = run.algo === "ppo" ? new ValueHead(model.config.width, rlConfig.valueHidden, seedrandom(`value-head/${run.seed}`)) : undefined;
  const policyVars = model.trainableVariables().length;
  const optimizer = new AdamW(updateVariables(model, valueHead), {
    lr: rlConfig.learningRate, beta1: rlConfig.beta1, beta2: rlConfig.beta2, weightDecay: rlConfig.weightDecay, clipNorm: rlConfig.gradClip,
  });
  const lookup = taskLookup({ suite: run.suite, maxSteps: rl.maxSteps });
  const encode = observationEncoder(model.config, tokenizer);
  try {
    // Where to start: the last RL checkpoint, or step 0 with the SFT weights already in the model.
    let done = 0;
    let pairsDrawn = 0;
    if (hasCheckpoint(paths.rl)) {
      const ckpt = loadRunCheckpoint(paths.rl);
      const extras = readExtras(ckpt.extras, paths.rl);
      restoreWeights(model, ckpt);
      if (valueHead && ckpt.optimizer) restoreJoint(optimizer, ckpt.optimizer, valueHead, extras.valueHead, paths.rl);
      else restoreOptimizer(optimizer, ckpt);
      done = extras.step;
      pairsDrawn = extras.pairsDrawn ?? 0;
    }
    if (done > run.steps) {
      throw new UserError(`${paths.rl} is already at RL step ${done}, beyond --steps ${run.steps}; pass --steps ${done} or more, or use another --out`);
    }
    if (done === run.steps) {
      o.log(`rl: checkpoint ${paths.rl} is at step ${done} of ${run.steps}; skipping RL`);
      return;
    }
    if (done > 0) o.log(`rl: resuming after step ${done}/${run.steps} from ${paths.rl}`);
    // The epoch sampler of training init states, replayed to where the checkpoint left it.
    const sampler = new TrainPairSampler(run.tasks, INIT_STATES_PER_SPLIT, seedrandom(`train-pairs/${run.seed}`));
    sampler.next(pairsDrawn);
    const steps = progress("rl", run.steps, { start: done });

    for (let step = done + 1; step <= run.steps; step++) {
      // 1) rollout: G sampled episodes per drawn init state; dynamic sampling keeps the mixed groups
      const tRollout = performance.now();
      const collector = new GroupCollector<Rollout>({ groupsPerBatch: rl.batch, maxDraws: rlConfig.maxDrawsPerBatch, low: rl.accuracyLow, high: rl.accuracyHigh });
      const seen: EpisodeSummary[] = []; // every drawn episode, for the training success rate (images dropped)
      const timing = { modelMs: 0, envMs: 0 };
      for (let draw = 0; !collector.done; draw++) {
        const pairs = sampler.next(rl.batch);
        pairsDrawn += pairs.length;
        const groups = pairs.map((p, g) => ({
          groupId: draw * rl.batch + g, // unique within the step: it keys the episodes' random streams
          taskKey: taskKey(run.suite, p.taskId),
          initStateId: initStateId(run.suite, p.taskId, "train", p.index),
        }));
        // A bar on a terminal (a draw can take minutes); in a log, one line per draw.
        const bar = process.stdout.isTTY ? progress(`rollout ${step} draw ${draw + 1}`, groups.length * G) : undefined;
        const tDraw = performance.now();
        let reported = 0;
        const result = await collectRollouts({
          pool, model: rolloutModel, tokenizer, stats, ...lookup, groups, groupSize: G,
          temperature: rlConfig.temperature, rlStep: step, seed: run.seed, framesPerEpisode: 0,
          onIteration: ({ done: finished }) => {
            if (finished > reported) bar?.tick(finished - reported);
            reported = finished;
          },
        });
        bar?.done();
        const wins = result.rollouts.filter((r) => r.success).length;
        if (!bar) o.log(`[rollout] step ${step} draw ${draw + 1}: ${wins}/${result.rollouts.length} episodes succeeded, ${seconds(tDraw).toFixed(1)}s`);
        timing.modelMs += result.timing.modelMs;
        timing.envMs += result.timing.envMs;
        seen.push(...result.rollouts.map(({ taskId, success, finishStep }) => ({ taskId, success, finishStep })));
        collector.offer(groups.map((_, g) => result.rollouts.slice(g * G, (g + 1) * G)));
        if (interruptSignal() !== null && !collector.done) {
          const from = step > 1 ? `the checkpoint of RL step ${step - 1} in ${paths.rl}` : `the SFT checkpoint in ${paths.sft}`;
          throw new Interrupted(`RL step ${step} was abandoned mid-rollout; the run continues from ${from} with: ${o.resumeHint}`);
        }
      }
      const { groups: kept, stats: sampling } = collector.take();
      const rolloutSeconds = seconds(tRollout);

      // 2) advantages and 3) update: ppoUpdate recomputes the old log-probs, turns each kept group's 0/1
      // rewards into advantages (GRPO: (r − mean) / (std + 1e-6)) and takes one pass of mini-batch steps.
      const tUpdate = performance.now();
      let diag: UpdateDiagnostics | null = null;
      if (sampling.outcome === "skip") {
        o.log(`rl step ${step}: no group with mixed success in ${sampling.draws} draws (${sampling.groupsSeen} groups, success ${(100 * sampling.successRateBeforeFilter).toFixed(1)}%); update skipped`);
      } else {
        diag = await ppoUpdate({ model, rollouts: kept.flat(), encode, optimizer, config: rlConfig, valueHead });
      }
      const updateSeconds = seconds(tUpdate);

      // 4) evaluate and log: one metrics line per step, an evaluation every eval.interval steps (that of the
      // last step is the run's final evaluation, made by run.ts), then the checkpoint
      const record = stepRecord(step, seen, sampling, diag, kept.length, run.tasks);
      Object.assign(record, {
        [METRIC.time]: o.elapsed(),
        [`${METRIC.timePrefix}rollout`]: rolloutSeconds,
        [`${METRIC.timePrefix}rolloutModel`]: timing.modelMs / 1000,
        [`${METRIC.timePrefix}rolloutEnv`]: timing.envMs / 1000,
        [`${METRIC.timePrefix}update`]: updateSeconds,
      });
      metrics.append(record);
      steps.tick(1, { success: sampling.successRateBeforeFilter, kept: kept.length, ...(diag ? { loss: diag.policyLoss } : { update: "skipped" }) });
      const interval = config.eval.interval;
      if (interval > 0 && step % interval === 0 && step < run.steps) {
        const ev = await runEvaluation({
          pool, model: rolloutModel, tokenizer, stats, suite: run.suite, tasks: run.tasks, maxSteps: rl.maxSteps,
          trials: config.eval.trials, split: config.eval.split, step, videosDir: paths.videos,
        });
        metrics.append(evalRecord(step, o.elapsed(), ev));
      }
      const extras = makeExtras({ stage: "rl", step, finished: step === run.steps, suite: run.suite, tasks: run.tasks, preset: run.preset, elapsed: o.elapsed(), pairsDrawn, tokenizer, stats });
      const split = valueHead ? await splitForCheckpoint(optimizer, policyVars, valueHead) : undefined;
      await saveCheckpoint(
        paths.rl,
        { model, optimizer: split?.policyOptimizer ?? optimizer, extras: { ...extras, ...(split ? { valueHead: split.valueHead } : {}) } },
        // A resumed run must continue bit for bit: bfloat16 moments with the live ones rounded to match (half
        // the size), except under PPO, whose checkpoint holds a split-off copy of the joint optimizer.
        split ? { momentsDtype: "float32" } : { momentsDtype: "bfloat16", roundLiveMoments: true },
      );
      if (interruptSignal() !== null && step < run.steps) {
        steps.done();
        throw new Interrupted(`RL stopped after step ${step}/${run.steps} with a checkpoint in ${paths.rl}; continue with: ${o.resumeHint}`);
      }
    }
    steps.done();
  } finally {
    optimizer.dispose();
    valueHead?.dispose();
  }
}

/** The step's metrics: training success (all drawn groups, per task), dynamic sampling, update diagnostics. */
function stepRecord(
  step: number,
  seen: readonly EpisodeSummary[],
  sampling: ReturnType<GroupCollector<Rollout>["take"]>["stats"],
  diag: UpdateDiagnostics | null,
  keptGroups: number,
  tasks: readonly number[],
): MetricsRecord {
  const rec: MetricsRecord = {
    phase: "rl",
    step,
    [METRIC.trainSuccess]: sampling.successRateBeforeFilter,
    [METRIC.keptGroupFrac]: sampling.keptFraction,
    [METRIC.episodeLength]: seen.reduce((a, r) => a + r.finishStep, 0) / Math.max(1, seen.length),
    "diag/draws": sampling.draws,
    "diag/keptGroups": keptGroups,
    "diag/skipped": diag === null ? 1 : 0,
  };
  for (const taskId of tasks) {
    const mine = seen.filter((r) => r.taskId === taskId);
    if (mine.length > 0) rec[perTask(METRIC.trainSuccess, taskId)] = mine.filter((r) => r.success).length / mine.length;
  }
  if (diag) {
    Object.assign(rec, {
      [METRIC.policyLoss]: diag.policyLoss,
      [METRIC.clipFrac]: diag.clipFrac,
      [METRIC.approxKl]: diag.approxKl,
      [METRIC.entropy]: diag.entropy,
      [METRIC.gradNorm]: diag.gradNorm,
      "diag/ratioMax": diag.ratioMax,
      "diag/samplingLogProbGap": diag.samplingLogProbGap,
      "diag/advantageStd": diag.advantageStd,
      "diag/optimizerSteps": diag.optimizerSteps,
    });
    if (diag.valueLoss !== null) rec[METRIC.valueLoss] = diag.valueLoss;
  }
  return rec;
}
