/**
 * Every leaf of `TrainConfig` with its type, its short flag (if any) and one line of help. The command-line
 * parser (`overrides.ts`) and the `--help` text are generated from this list; a test checks that it names
 * every leaf of the config and nothing else.
 */
import { listSuites } from "../../sim/tasks/registry.ts";
import { ALGO_NAMES, BACKEND_NAMES, PRESET_NAMES, SFT_SCHEDULES, SPLIT_NAMES, type TrainConfig } from "./trainConfig.ts";

export type ValueKind =
  | { type: "int"; min: number }
  | { type: "number"; min: number; max?: number }
  | { type: "bool" }
  | { type: "path" }
  | { type: "enum"; choices: readonly string[] }
  /** A comma list of task ids, ranges like 0-4, or "all". */
  | { type: "tasks" }
  /** A positive integer or "auto". */
  | { type: "intOrAuto"; min: number };

export type SectionName = keyof TrainConfig;

export interface SettingSpec {
  section: SectionName;
  field: string;
  /** Short flag without dashes, e.g. "lr" for `--lr`; every setting also has `--<section>.<field>`. */
  flag?: string;
  kind: ValueKind;
  help: string;
}

export const SECTIONS: readonly SectionName[] = ["run", "sft", "rl", "eval"];

const int = (min = 0): ValueKind => ({ type: "int", min });
const num = (min = 0, max?: number): ValueKind => ({ type: "number", min, max });

export const SETTINGS: readonly SettingSpec[] = [
  { section: "run", field: "suite", flag: "suite", kind: { type: "enum", choices: listSuites() }, help: "LIBERO suite" },
  { section: "run", field: "tasks", flag: "tasks", kind: { type: "tasks" }, help: 'task ids of the suite, e.g. 0,3,5 or 0-4, or "all"' },
  { section: "run", field: "perTask", flag: "per-task", kind: int(1), help: "demonstrations per task for SFT (1 = one-trajectory SFT)" },
  { section: "run", field: "preset", flag: "preset", kind: { type: "enum", choices: PRESET_NAMES }, help: "model size and run scale (sets the defaults below)" },
  { section: "run", field: "algo", flag: "algo", kind: { type: "enum", choices: ALGO_NAMES }, help: "advantage estimator" },
  { section: "run", field: "steps", flag: "steps", kind: int(0), help: "RL update steps" },
  { section: "run", field: "seed", flag: "seed", kind: int(0), help: "seed of model init, SFT sampling and rollouts" },
  { section: "run", field: "out", flag: "out", kind: { type: "path" }, help: 'run directory; "auto" = runs/<suite>-<preset>-<algo>-s<seed>' },
  { section: "run", field: "demos", flag: "demos", kind: { type: "path" }, help: 'demonstrations directory; "auto" = data/demos/<suite>' },
  { section: "run", field: "resume", flag: "resume", kind: { type: "bool" }, help: "continue from the run directory's last checkpoint" },
  { section: "run", field: "backend", flag: "backend", kind: { type: "enum", choices: BACKEND_NAMES }, help: "tfjs backend (auto = best available)" },
  { section: "run", field: "workers", flag: "workers", kind: int(1), help: "env worker threads, one MuJoCo instance each; default one per CPU core" },
  { section: "run", field: "policyThreads", kind: int(1), help: "threads for the rollouts' forward passes on a CPU backend (same tokens for any count); default 2 on 2+ cores" },
  { section: "sft", field: "steps", kind: int(0), help: "SFT optimizer steps" },
  { section: "sft", field: "batch", kind: int(1), help: "SFT windows per step" },
  { section: "sft", field: "lr", kind: num(), help: "SFT peak AdamW learning rate" },
  { section: "sft", field: "warmup", kind: int(0), help: "SFT steps of linear learning-rate warm-up" },
  { section: "sft", field: "schedule", kind: { type: "enum", choices: SFT_SCHEDULES }, help: "SFT learning rate after warm-up (cosine: down to lr/10)" },
  { section: "rl", field: "groupSize", flag: "group-size", kind: int(2), help: "rollouts per init state (G)" },
  { section: "rl", field: "batch", flag: "batch", kind: int(1), help: "kept groups per RL step" },
  { section: "rl", field: "miniBatch", kind: int(1), help: "trajectories per optimizer step" },
  { section: "rl", field: "lr", flag: "lr", kind: num(), help: "RL AdamW learning rate, constant" },
  { section: "rl", field: "temperature", flag: "temperature", kind: num(), help: "sampling temperature" },
  { section: "rl", field: "clipLow", kind: num(0, 1), help: "ratio clip below (1 - clipLow)" },
  { section: "rl", field: "clipHigh", kind: num(), help: "ratio clip above (1 + clipHigh)" },
  { section: "rl", field: "accuracyLow", kind: num(0, 1), help: "dynamic sampling: lowest kept group success rate" },
  { section: "rl", field: "accuracyHigh", kind: num(0, 1), help: "dynamic sampling: highest kept group success rate" },
  { section: "rl", field: "maxSteps", flag: "max-steps", kind: { type: "intOrAuto", min: 1 }, help: "counted steps per episode; auto = the suite's limit, 512 = SimpleVLA-RL's" },
  { section: "eval", field: "interval", flag: "eval-interval", kind: int(0), help: "evaluate every this many RL steps (0: only before and after)" },
  { section: "eval", field: "trials", flag: "eval-trials", kind: int(1), help: "init states per task (indices 0..trials-1)" },
  { section: "eval", field: "split", kind: { type: "enum", choices: SPLIT_NAMES }, help: "init states to evaluate on" },
];

export function dottedKey(s: SettingSpec): string {
  return `${s.section}.${s.field}`;
}

/** The spec of a dotted key, or undefined. */
export function findSetting(key: string): SettingSpec | undefined {
  return SETTINGS.find((s) => dottedKey(s) === key);
}

/** The spec whose short flag is `flag` (without dashes), or undefined. */
export function findFlag(flag: string): SettingSpec | undefined {
  return SETTINGS.find((s) => s.flag === flag);
}

/** How the kind reads in help and error messages: `<int>`, `<grpo|rloo|ppo>`. */
export function describeKind(kind: ValueKind): string {
  switch (kind.type) {
    case "int":
      return kind.min > 0 ? `an integer ≥ ${kind.min}` : "an integer ≥ 0";
    case "number":
      return kind.max !== undefined ? `a number in [${kind.min}, ${kind.max}]` : `a number ≥ ${kind.min}`;
    case "bool":
      return "true or false";
    case "path":
      return "a path";
    case "enum":
      return `one of ${kind.choices.join(", ")}`;
    case "tasks":
      return 'task ids like 0,3,5 or 0-4, or "all"';
    case "intOrAuto":
      return `an integer ≥ ${kind.min} or "auto"`;
  }
}

export function kindPlaceholder(kind: ValueKind): string {
  switch (kind.type) {
    case "int":
      return "<int>";
    case "intOrAuto":
      return "<int|auto>";
    case "number":
      return "<number>";
    case "bool":
      return "";
    case "path":
      return "<path>";
    case "enum":
      return `<${kind.choices.join("|")}>`;
    case "tasks":
      return "<ids|all>";
  }
}
