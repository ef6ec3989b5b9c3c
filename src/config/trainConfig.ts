/**
 * The main job's settings (`npm run train`), in one typed object with its defaults in one place.
 *
 * `TrainConfig` is composed of four sections: `run` (what to train and where), `sft` (the supervised warm-up
 * on the demonstrations), `rl` (the online RL stage) and `eval` (greedy evaluation on held-out init states).
 * The preset (`tiny` | `small` | `base`) picks the model size and scales the original's batch sizes, step
 * counts and learning rates to it (see `PRESET_SETTINGS`); every value can then be overridden by dotted key
 * (`overrides.ts`).
 *
 * Values that depend on other values are written `"auto"` here and made concrete by `resolveTrainConfig`:
 * the run directory (`runs/<suite>-<preset>-<algo>-s<seed>/`), the demos directory (`data/demos/<suite>/`)
 * and the step limit (the suite's: 220 / 280 / 300 / 520 / 400 for spatial / object / goal / 10 / 90).
 */
import os from "node:os";
import path from "node:path";
import { DEFAULT_DEMO_ROOT } from "../../sim/dataset/format.ts";
import { getSuite, listSuites } from "../../sim/tasks/registry.ts";
import type { SuiteName } from "../../sim/tasks/types.ts";
import { defaultPolicyThreads } from "../../algorithms/rollout/parallelPolicy.ts";
import { UserError } from "../cli/errors.ts";

export const PRESET_NAMES = ["tiny", "small", "base"] as const;
export type PresetName = (typeof PRESET_NAMES)[number];

export const ALGO_NAMES = ["grpo", "rloo", "ppo"] as const;
export type AlgoName = (typeof ALGO_NAMES)[number];

export const BACKEND_NAMES = ["auto", "tensorflow", "webgpu", "wasm", "cpu"] as const;
export type BackendName = (typeof BACKEND_NAMES)[number];

export const SFT_SCHEDULES = ["cosine", "constant"] as const;
export type SftSchedule = (typeof SFT_SCHEDULES)[number];

export const SPLIT_NAMES = ["heldout", "train"] as const;
export type SplitName = (typeof SPLIT_NAMES)[number];

/** What to train, with which model and algorithm, and where the results go. */
export interface RunConfig {
  /** The LIBERO suite. */
  suite: SuiteName;
  /** Task ids of the suite (its benchmark order, 0-based), or "all". */
  tasks: number[] | "all";
  /** Demonstrations per task for SFT; 1 is SimpleVLA-RL's one-trajectory setting ("traj1"). */
  perTask: number;
  /** Model size and the scale of every batch and step count. */
  preset: PresetName;
  /** Advantage estimator: GRPO (the original), RLOO, or PPO with a value head. */
  algo: AlgoName;
  /** RL update steps (one rollout batch and its optimizer steps each). */
  steps: number;
  /** Seed of the model's init, SFT sampling and rollouts (init states are seeded by `sim/`, not by this). */
  seed: number;
  /** Run directory; "auto" is `runs/<suite>-<preset>-<algo>-s<seed>/`. */
  out: string;
  /** Demonstrations directory; "auto" is `data/demos/<suite>/`. */
  demos: string;
  /** Continue from the run directory's last checkpoint instead of starting fresh. */
  resume: boolean;
  /** tfjs backend; "auto" takes the best available (tensorflow, webgpu, wasm, cpu). */
  backend: BackendName;
  /** Env worker threads (one MuJoCo instance each); the default is one per CPU core. */
  workers: number;
  /**
   * Threads that compute the rollouts' forward passes on a CPU backend, each a block of the batch's rows
   * (algorithms/rollout/parallelPolicy.ts; the tokens are the same for any count). Ignored on GPU backends.
   */
  policyThreads: number;
}

/** Supervised fine-tuning on the demonstrations (cross-entropy on the 56 action tokens). */
export interface SftConfig {
  /** Optimizer steps. */
  steps: number;
  /** Windows (one image + instruction → one chunk of 8 actions) per step. */
  batch: number;
  /** Peak AdamW learning rate. */
  lr: number;
  /** Steps of linear warm-up from 0 to `lr`. */
  warmup: number;
  /** After warm-up: "cosine" decays to a tenth of `lr` at the last step, "constant" keeps `lr` (OFT's). */
  schedule: SftSchedule;
}

/** The RL stage; the algorithmic knobs keep SimpleVLA-RL's values at every preset (SIMPLEVLA_RL.md §1). */
export interface RlSectionConfig {
  /** G, rollouts per init state (`data.n_samples` 8). */
  groupSize: number;
  /** Kept groups per update (`data.train_batch_size`, 64 in the original). */
  batch: number;
  /** Trajectories per optimizer step (`actor.ppo_mini_batch_size`, 128 in the original). */
  miniBatch: number;
  /** AdamW learning rate, constant (`actor.optim.lr`, 5e-6 for the 7B original). */
  lr: number;
  /** Sampling temperature, also dividing the logits in the update (`rollout.temperature` 1.6). */
  temperature: number;
  /** Ratio clip below, 1 − clipLow (`actor.clip_ratio_low` 0.2). */
  clipLow: number;
  /** Ratio clip above, 1 + clipHigh (`actor.clip_ratio_high` 0.28). */
  clipHigh: number;
  /** Dynamic sampling keeps groups whose success rate is in [accuracyLow, accuracyHigh] (0.1 / 0.9). */
  accuracyLow: number;
  accuracyHigh: number;
  /** Counted steps per episode, for rollouts and evaluation; "auto" is the suite's limit, 512 the original's. */
  maxSteps: number | "auto";
}

/** Greedy evaluation. */
export interface EvalConfig {
  /** Evaluate every this many RL steps (and once before RL, after SFT); 0 evaluates only before and after. */
  interval: number;
  /** Init states per task: indices 0..trials−1 of the split. */
  trials: number;
  /** Which init states; "heldout" is the default so that reported success never uses training states. */
  split: SplitName;
}

export interface TrainConfig {
  run: RunConfig;
  sft: SftConfig;
  rl: RlSectionConfig;
  eval: EvalConfig;
}

/** The config with every "auto" made concrete and the task list expanded. */
export interface ResolvedTrainConfig extends TrainConfig {
  run: RunConfig & { tasks: number[] };
  rl: RlSectionConfig & { maxSteps: number };
}

/** The settings a preset changes; everything else is the same at every preset. */
export interface PresetSettings {
  tasks: number[] | "all";
  steps: number;
  sft: SftConfig;
  rl: Pick<RlSectionConfig, "groupSize" | "batch" | "miniBatch" | "lr" | "maxSteps">;
  eval: Pick<EvalConfig, "interval" | "trials">;
}

/**
 * Per-preset scale. The original (SIMPLEVLA_RL.md §1) draws 64 groups × 8 = 512 trajectories per RL step,
 * updates on mini-batches of 128 (so 4 optimizer steps per batch, one pass), at lr 5e-6 on a pretrained 7B
 * model, evaluating 50 init states per task. We keep its ratios (G = 8, 4 optimizer steps per batch) and
 * shrink the number of groups to the hardware; the learning rates are those of a small transformer that
 * starts from scratch, with RL's about 30× below SFT's, as the original's 5e-6 sits far below OFT's SFT
 * rate of 5e-4.
 */
export const PRESET_SETTINGS: Readonly<Record<PresetName, PresetSettings>> = {
  // CI smoke test, seconds end to end: the 55k-parameter model, one task, one group of 4 (two optimizer
  // steps of 2 trajectories, so the mini-batch loop is exercised), 16-step episodes (two chunks: nothing is
  // solved, the pipeline runs), one held-out trial evaluated after every step. lr high enough that the
  // weights visibly move in 2 steps.
  tiny: {
    tasks: [0],
    steps: 2,
    sft: { steps: 4, batch: 4, lr: 1e-3, warmup: 0, schedule: "constant" },
    rl: { groupSize: 4, batch: 1, miniBatch: 2, lr: 3e-5, maxSteps: 16 },
    eval: { interval: 1, trials: 1 },
  },
  // The default, sized for a 2-core CPU (wasm backend). Measured on the 2-core development machine
  // (src/pipeline, libero_spatial, shared machine): an SFT step of 32 windows takes 3.9–6 s; one rollout
  // draw of 2 groups × 8 = 16 episodes of up to 220 steps ≈ 30–60 s (the model's forward is ~50 ms per
  // row, ~58% of it); an update ≈ 150 ms per chunk-step row. So: SFT 800 steps ≈ 55–80 min (≈ 20 passes
  // over one demo per task); 30 RL steps of ~1.5 draws and an update ≈ 1.5–2 h when groups are mixed, more
  // when dynamic sampling has to draw up to its cap; 5 held-out trials per task every 10 steps ≈ 5 min per
  // evaluation. Mini-batch 4 keeps the original's 4 optimizer steps per batch.
  small: {
    tasks: "all",
    steps: 30,
    sft: { steps: 800, batch: 32, lr: 3e-4, warmup: 40, schedule: "cosine" },
    rl: { groupSize: 8, batch: 2, miniBatch: 4, lr: 1e-5, maxSteps: "auto" },
    eval: { interval: 10, trials: 5 },
  },
  // GPU (webgpu or tensorflow backend), where the model is cheap and simulation on many cores dominates:
  // 16 groups × 8 = 128 trajectories per step (a quarter of the original's 512), mini-batch 32 (4 optimizer
  // steps per batch, as the original), SFT batch 64 (OFT's 8 per GPU × 8 GPUs), 50 held-out trials per task
  // (the original's count). RL lr 5e-5: run D (BENCHMARKS.md) learned with it on one task (approx. KL
  // 0.004–0.02 per step after the first); 1e-5 has not been tried on a GPU. SFT 10,000 steps: on all ten
  // libero_spatial demos 2,500 steps reached 7% held-out and 9,400 reached 39% (runs E and F).
  base: {
    tasks: "all",
    steps: 300,
    sft: { steps: 10000, batch: 64, lr: 3e-4, warmup: 100, schedule: "cosine" },
    rl: { groupSize: 8, batch: 16, miniBatch: 32, lr: 5e-5, maxSteps: "auto" },
    eval: { interval: 10, trials: 50 },
  },
};

/** A fresh config at the named preset; an unknown name is a UserError listing the presets. */
export function presetTrainConfig(preset: string): TrainConfig {
  if (!(PRESET_NAMES as readonly string[]).includes(preset)) {
    throw new UserError(`unknown preset "${preset}"; valid presets: ${PRESET_NAMES.join(", ")}`);
  }
  const p = PRESET_SETTINGS[preset as PresetName];
  return {
    run: {
      // libero_spatial: the first LIBERO suite and the shortest episodes (220 steps), so the default run fits
      // a CPU; `--suite libero_10` is SimpleVLA-RL's headline (17.3% → 91.7%).
      suite: "libero_spatial",
      tasks: p.tasks === "all" ? "all" : [...p.tasks],
      perTask: 1,
      preset: preset as PresetName,
      algo: "grpo",
      steps: p.steps,
      seed: 0,
      out: "auto",
      demos: "auto",
      resume: false,
      backend: "auto",
      workers: Math.max(1, os.cpus().length),
      policyThreads: defaultPolicyThreads(),
    },
    sft: { ...p.sft },
    // Temperature 1.0, not the original's 1.6: that suits a pretrained 7B model's peaked action distributions,
    // but our models trained from scratch are already spread (≈ 1 nat per action token), and 1.6 makes them
    // fail. Run D's SFT policy (BENCHMARKS.md, "temperature") succeeds in 38% of episodes sampled at 1.0,
    // 19% at 1.2, 2% at 1.4 and 0/64 at 1.6, where GRPO has no mixed group to learn from.
    rl: { ...p.rl, temperature: SAMPLING_TEMPERATURE, clipLow: 0.2, clipHigh: 0.28, accuracyLow: 0.1, accuracyHigh: 0.9 },
    eval: { ...p.eval, split: "heldout" },
  };
}

/** The sampling temperature of every preset (see presetTrainConfig for why not the original's 1.6). */
export const SAMPLING_TEMPERATURE = 1.0;

/** The default config: the `small` preset. */
export function defaultTrainConfig(): TrainConfig {
  return presetTrainConfig("small");
}

/** `runs/<suite>-<preset>-<algo>-s<seed>` (DESIGN.md), relative to the working directory. */
export function defaultRunDir(run: Pick<RunConfig, "suite" | "preset" | "algo" | "seed">): string {
  return path.join("runs", `${run.suite}-${run.preset}-${run.algo}-s${run.seed}`);
}

/** `data/demos/<suite>` (DESIGN.md), relative to the working directory. */
export function defaultDemosDir(suite: string): string {
  return path.join(DEFAULT_DEMO_ROOT, suite);
}

/**
 * Fills in every "auto", expands `tasks: "all"`, and checks the settings that constrain each other; throws a
 * UserError naming the first bad setting and what would be right.
 */
export function resolveTrainConfig(cfg: TrainConfig): ResolvedTrainConfig {
  if (!(listSuites() as readonly string[]).includes(cfg.run.suite)) {
    throw new UserError(`unknown suite "${cfg.run.suite}" (run.suite); valid suites: ${listSuites().join(", ")}`);
  }
  const suite = getSuite(cfg.run.suite);
  const n = suite.tasks.length;
  const tasks = cfg.run.tasks === "all" ? suite.tasks.map((t) => t.id) : [...cfg.run.tasks];
  if (tasks.length === 0) throw new UserError(`run.tasks is empty; give task ids of ${cfg.run.suite} (0..${n - 1}) or "all"`);
  for (const id of tasks) {
    if (!Number.isInteger(id) || id < 0 || id >= n) {
      const listing = suite.tasks.map((t) => `${t.id} ${t.name}`).join("; ");
      throw new UserError(`unknown task id ${id} in ${cfg.run.suite} (run.tasks); valid ids are 0..${n - 1}: ${listing}`);
    }
  }
  if (new Set(tasks).size !== tasks.length) throw new UserError(`run.tasks lists a task twice: ${tasks.join(",")}`);
  const { rl } = cfg;
  const perStep = rl.groupSize * rl.batch;
  if (rl.miniBatch > perStep || perStep % rl.miniBatch !== 0) {
    throw new UserError(
      `rl.miniBatch (${rl.miniBatch}) must divide the ${perStep} trajectories of a step (rl.batch ${rl.batch} × rl.groupSize ${rl.groupSize})`,
    );
  }
  if (rl.accuracyLow > rl.accuracyHigh) {
    throw new UserError(`rl.accuracyLow (${rl.accuracyLow}) must not exceed rl.accuracyHigh (${rl.accuracyHigh})`);
  }
  if (cfg.sft.steps > 0 && cfg.sft.warmup >= cfg.sft.steps) {
    throw new UserError(`sft.warmup (${cfg.sft.warmup}) must be below sft.steps (${cfg.sft.steps})`);
  }
  if (cfg.eval.trials > 50) {
    throw new UserError(`eval.trials (${cfg.eval.trials}) must be at most 50: each split has 50 init states per task`);
  }
  return {
    run: {
      ...cfg.run,
      tasks,
      out: cfg.run.out === "auto" ? defaultRunDir(cfg.run) : cfg.run.out,
      demos: cfg.run.demos === "auto" ? defaultDemosDir(cfg.run.suite) : cfg.run.demos,
    },
    sft: { ...cfg.sft },
    rl: { ...rl, maxSteps: rl.maxSteps === "auto" ? suite.maxSteps : rl.maxSteps },
    eval: { ...cfg.eval },
  };
}

/**
 * The per-preset defaults as a Markdown table (the README includes it). Rows are the settings a preset
 * changes, with the original's value beside them for scale.
 */
export function presetTableMarkdown(): string {
  const rows: [string, string, (p: PresetSettings) => string][] = [
    ["run.tasks", "all", (p) => (p.tasks === "all" ? "all" : p.tasks.join(","))],
    ["run.steps (RL steps)", "100 epochs", (p) => String(p.steps)],
    ["sft.steps", "–", (p) => String(p.sft.steps)],
    ["sft.batch", "64", (p) => String(p.sft.batch)],
    ["sft.lr", "5e-4 (LoRA)", (p) => fmt(p.sft.lr)],
    ["sft.warmup, sft.schedule", "0, constant", (p) => `${p.sft.warmup}, ${p.sft.schedule}`],
    ["rl.groupSize", "8", (p) => String(p.rl.groupSize)],
    ["rl.batch (groups/step)", "64", (p) => String(p.rl.batch)],
    ["trajectories/step", "512", (p) => String(p.rl.batch * p.rl.groupSize)],
    ["rl.miniBatch", "128", (p) => String(p.rl.miniBatch)],
    ["optimizer steps/RL step", "4", (p) => String((p.rl.batch * p.rl.groupSize) / p.rl.miniBatch)],
    ["rl.lr", "5e-6", (p) => fmt(p.rl.lr)],
    ["rl.temperature", "1.6", () => SAMPLING_TEMPERATURE.toFixed(1)],
    ["rl.maxSteps", "512", (p) => (p.rl.maxSteps === "auto" ? "suite's (220–520)" : String(p.rl.maxSteps))],
    ["eval.interval", "4", (p) => String(p.eval.interval)],
    ["eval.trials", "50 (train states)", (p) => String(p.eval.trials)],
  ];
  const header = `| setting | SimpleVLA-RL (7B, 8 GPUs) | ${PRESET_NAMES.join(" | ")} |`;
  const sep = `|---|---|${PRESET_NAMES.map(() => "---").join("|")}|`;
  const body = rows.map(([name, orig, f]) => `| ${name} | ${orig} | ${PRESET_NAMES.map((p) => f(PRESET_SETTINGS[p])).join(" | ")} |`);
  return [header, sep, ...body].join("\n");
}

function fmt(x: number): string {
  return x.toExponential().replace(/\.0+e/, "e").replace("e+", "e");
}
