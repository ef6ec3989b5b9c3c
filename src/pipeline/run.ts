/**
 * The main job (`npm run train`), stage by stage:
 *
 *   0) demos:  the suite's expert demonstrations (traj1: one per task), made once into data/demos/<suite>/
 *   1) SFT:    supervised fine-tuning on them                              → <runDir>/sft/
 *   2) eval 0: greedy evaluation of the SFT policy on held-out init states (the report's "before" column)
 *   3) RL:     `run.steps` GRPO steps, evaluating every `eval.interval`     → <runDir>/rl/
 *   4) eval:   the final evaluation, at step `run.steps`
 *   5) report: <runDir>/report.html from metrics.jsonl, config.json and the GIFs
 *
 * Every stage is skipped when its output exists (with `--resume`; without it an existing run directory is an
 * error). Resuming cuts metrics.jsonl back to the checkpoint it resumes from, so the log never holds a step
 * twice, and a resumed run writes exactly the lines an uninterrupted one would have (timings aside).
 * Ctrl-C / SIGTERM: the running stage finishes or abandons its step, the last good checkpoint stays, and the
 * run stops with a message saying how to continue.
 */
import path from "node:path";
import type { ActionStats } from "../../models/actionNormalizer.ts";
import { selectBackend } from "../../models/backend.ts";
import type { TextTokenizer } from "../../models/textTokenizer.ts";
import { Vla } from "../../models/vla.ts";
import type { RlConfig } from "../../algorithms/rlConfig.ts";
import { ensureDemos } from "../demos/generate.ts";
import { Interrupted, onInterrupt, UserError } from "../cli/errors.ts";
import type { ResolvedTrainConfig } from "../config/trainConfig.ts";
import { MetricsWriter, readMetrics, truncateMetrics, type ResumePoint } from "../metrics.ts";
import { progress, type Progress } from "../progress.ts";
import { writeReport } from "../report/report.ts";
import { evalRecord, runEvaluation } from "./evalStage.ts";
import { projectTextTokenizer, readExtras, readSuiteActionStats, vlaConfigFor, type PolicyExtras } from "./policy.ts";
import { runRlStage } from "./rlStage.ts";
import { type ParallelPolicy, startPolicyThreads } from "../../algorithms/rollout/parallelPolicy.ts";
import type { RolloutPolicy } from "../../algorithms/rollout/collect.ts";
import { hasCheckpoint, loadRunCheckpoint, prepareRunDir, runPaths } from "./runDir.ts";
import { runSftStage } from "./sftStage.ts";
import { createPool } from "./taskEnvs.ts";

export interface RunOptions {
  /** The command that continues this run, shown when it is interrupted. */
  resumeHint?: string;
  log?: (line: string) => void;
  /** Algorithm knobs the CLI does not expose (tests lower the draw cap). */
  rlOverrides?: Partial<RlConfig>;
  /** SFT steps between checkpoints (default 100). */
  sftCheckpointEvery?: number;
}

export interface RunResult {
  runDir: string;
  report: string;
  /** Greedy success after SFT (step 0) and at the end, when this process or an earlier one measured them. */
  before?: number;
  after?: number;
}

export async function runTraining(config: ResolvedTrainConfig, opts: RunOptions = {}): Promise<RunResult> {
  const log = opts.log ?? ((line: string) => console.log(line));
  const { run, rl } = config;
  if (path.basename(path.resolve(run.demos)) !== run.suite) {
    throw new UserError(`--demos must name a folder called ${run.suite} (the demos go to <folder>/task<id>.demos), got ${run.demos}`);
  }
  const paths = runPaths(run.out);
  const resumeHint = opts.resumeHint ?? `npm run train -- --suite ${run.suite} --preset ${run.preset} --algo ${run.algo} --seed ${run.seed} --steps ${run.steps} --out ${run.out} --resume`;
  prepareRunDir(paths, config, log);
  const t0 = performance.now();
  const abort = new AbortController();
  const offInterrupt = onInterrupt(() => abort.abort());
  try {
    await selectBackend(run.backend);

    // 0) demos: made once per (suite, tasks, perTask, seed); an existing matching file is kept
    let bar: Progress | undefined;
    const demos = await ensureDemos({
      suite: run.suite, tasks: run.tasks, perTask: run.perTask, root: path.dirname(run.demos), seed: run.seed, workers: run.workers, signal: abort.signal,
      allowMissing: true,
      onProgress: (e) => {
        if (e.kind === "start" && e.replace.length > 0) {
          log(`demos: remaking task(s) ${e.replace.join(",")} in ${run.demos}: their files hold other demos (another seed, count, step limit or revision of the expert and init states)`);
        }
        if (e.kind === "start" && e.episodes > 0) bar = progress("demos", e.episodes);
        if (e.kind === "episode" && e.kept) bar?.tick(1, { task: e.taskId, steps: e.steps });
      },
    });
    bar?.done();
    // Tasks the scripted expert could not demonstrate are left out of SFT (and still trained and evaluated
    // by RL, where they start at zero success); with none demonstrated there is nothing to fine-tune on.
    const missing = demos.tasks.filter((t) => t.status === "missing").map((t) => t.taskId);
    const demonstrated = run.tasks.filter((t) => !missing.includes(t));
    if (missing.length > 0) {
      log(`warning: the scripted expert could not demonstrate task(s) ${missing.join(", ")} of ${run.suite} on any train init state; SFT uses the other ${demonstrated.length} task(s).`);
    }
    if (demonstrated.length === 0) {
      throw new UserError(`the scripted expert could not demonstrate any of the tasks ${run.tasks.join(", ")} of ${run.suite}; choose others with --tasks.`);
    }
    const sftConfig = { ...config, run: { ...run, tasks: demonstrated } };

    // Where this run stands: the newest checkpoint decides, and the metrics log is cut back to it.
    const latest = newestCheckpoint(paths.rl, paths.sft);
    const at: ResumePoint = latest ? { stage: latest.extras.stage, step: latest.extras.step } : { stage: "sft", step: 0 };
    truncateMetrics(paths.metrics, at);
    const elapsedBase = latest?.extras.elapsed ?? 0;
    const elapsed = () => elapsedBase + (performance.now() - t0) / 1000;
    // A resumed model keeps the vocabulary and action statistics it was trained with, whatever the demo
    // folder holds now (its statistics cover every task file in it, which another run may have added to).
    const tokenizer: TextTokenizer = latest?.extras.tokenizer ?? projectTextTokenizer();
    const stats: ActionStats = latest?.extras.stats ?? readSuiteActionStats(run.demos, run.suite);

    const metrics = new MetricsWriter(paths.metrics);
    const model = new Vla(vlaConfigFor(run.preset, tokenizer), run.seed);
    let pool: Awaited<ReturnType<typeof createPool>> | undefined;
    let parallel: ParallelPolicy | undefined;
    const result: RunResult = { runDir: paths.dir, report: "" };
    let stopped: Interrupted | undefined;
    try {
      log(`run ${paths.dir}: ${run.suite} tasks ${run.tasks.join(",")}, preset ${run.preset} (${(model.numParams() / 1e6).toFixed(2)}M parameters), ${run.algo}, seed ${run.seed}`);

      // 1) SFT on the demos (skipped when <runDir>/sft/ is finished)
      if (!hasCheckpoint(paths.rl)) {
        await runSftStage({ config: sftConfig, paths, model, tokenizer, stats, metrics, elapsed, resumeHint, log, checkpointEvery: opts.sftCheckpointEvery });
      }

      pool = await createPool({ suite: run.suite, maxSteps: rl.maxSteps, tasks: run.tasks, envs: rl.batch * rl.groupSize, groupSize: rl.groupSize, workers: run.workers });
      // On a CPU backend the rollouts' forward passes are split over policy threads (same tokens, less wait).
      parallel = await startPolicyThreads(model, run.policyThreads);
      const rolloutModel: RolloutPolicy = parallel ?? model;
      const evaluated = (step: number) => readMetrics(paths.metrics).records.find((r) => r.phase === "eval" && r.step === step);
      const evaluateAt = async (step: number) => {
        const ev = await runEvaluation({
          pool: pool!, model: rolloutModel, tokenizer, stats, suite: run.suite, tasks: run.tasks, maxSteps: rl.maxSteps,
          trials: config.eval.trials, split: config.eval.split, step, videosDir: paths.videos,
        });
        metrics.append(evalRecord(step, elapsed(), ev));
        log(`eval after ${step === 0 ? "SFT" : `RL step ${step}`}: ${(100 * ev.successRate).toFixed(1)}% on ${run.tasks.length * config.eval.trials} ${config.eval.split} episodes`);
      };

      // 2) evaluation of the SFT policy: step 0, the "before" of the report's SFT → RL table
      if (!hasCheckpoint(paths.rl) && !evaluated(0)) {
        await evaluateAt(0);
        if (evaluated(0)?.["eval/success"] === 0 && run.steps > 0) {
          log(
            "warning: the SFT policy solved no evaluation episode. RL learns only from groups with mixed success " +
              "(dynamic sampling), so it may skip many steps; more SFT steps (--sft.steps) or demos (--per-task) help.",
          );
        }
      }

      // 3) RL (skipped when <runDir>/rl/ is at run.steps)
      await runRlStage({ config, paths, model, rolloutModel, tokenizer, stats, pool, metrics, elapsed, resumeHint, log, rlOverrides: opts.rlOverrides });

      // 4) the final evaluation, at the last RL step
      if (!evaluated(run.steps)) await evaluateAt(run.steps);
      result.before = evaluated(0)?.["eval/success"] as number | undefined;
      result.after = evaluated(run.steps)?.["eval/success"] as number | undefined;
    } catch (e) {
      if (!(e instanceof Interrupted)) throw e;
      stopped = e;
    } finally {
      await pool?.close();
      await parallel?.dispose();
      metrics.close();
      model.dispose();
    }

    // 5) the report; a stopped run gets one too, of what it has done so far (a long run done in pieces
    // is looked at between them)
    result.report = writeReport(paths.dir);
    if (stopped) {
      log(`report so far: ${result.report}`);
      throw stopped;
    }
    const pct = (x?: number) => (x === undefined ? "–" : `${(100 * x).toFixed(1)}%`);
    log(`done: ${config.eval.split} success ${pct(result.before)} after SFT → ${pct(result.after)} after ${run.steps} RL steps; report ${result.report}`);
    return result;
  } finally {
    offInterrupt();
  }
}

/** The RL checkpoint if there is one, else the SFT one, with its extras read. */
function newestCheckpoint(...dirs: string[]): { dir: string; extras: ReturnType<typeof readExtras> } | undefined {
  for (const dir of dirs) {
    if (!hasCheckpoint(dir)) continue;
    const extras: PolicyExtras & ReturnType<typeof readExtras> = readExtras(loadRunCheckpoint(dir, { weightsOnly: true }).extras, dir);
    return { dir, extras };
  }
  return undefined;
}
