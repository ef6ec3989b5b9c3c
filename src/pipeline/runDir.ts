/**
 * The layout of a run directory and the checks made before a run writes into one.
 *
 *   <runDir>/config.json     the resolved TrainConfig of the latest start (the report reads its `run`)
 *   <runDir>/metrics.jsonl   one record per SFT log point, RL step and evaluation (src/metrics.ts)
 *   <runDir>/sft/            the SFT checkpoint (every K steps, and when SFT finishes)
 *   <runDir>/rl/             the RL checkpoint (after every RL step): weights, AdamW, step, sampler position
 *   <runDir>/videos/         evaluation GIFs (videoFileName)
 *   <runDir>/report.html     written at the end (src/report/report.ts)
 *
 * A directory that already holds a run is continued only with `--resume`, so that a typo in `--out` never
 * mixes two runs' metrics; with `--resume` every stage whose output exists is skipped.
 */
import fs from "node:fs";
import path from "node:path";
import { loadCheckpoint, type LoadedCheckpoint } from "../../models/checkpoint.ts";
import { UserError } from "../cli/errors.ts";
import type { ResolvedTrainConfig } from "../config/trainConfig.ts";

export interface RunPaths {
  dir: string;
  config: string;
  metrics: string;
  sft: string;
  rl: string;
  videos: string;
}

export function runPaths(dir: string): RunPaths {
  return {
    dir,
    config: path.join(dir, "config.json"),
    metrics: path.join(dir, "metrics.jsonl"),
    sft: path.join(dir, "sft"),
    rl: path.join(dir, "rl"),
    videos: path.join(dir, "videos"),
  };
}

/** Whether `dir` is a finished checkpoint directory (its manifest is written last, by a rename). */
export function hasCheckpoint(dir: string): boolean {
  return fs.existsSync(path.join(dir, "checkpoint.json"));
}

/**
 * Loads a run's checkpoint to continue from it. A checkpoint that cannot be read (a file missing or cut
 * short, another model's shapes) is the user's to sort out, not a bug: one error naming the directory.
 */
export function loadRunCheckpoint(dir: string, opts: { weightsOnly?: boolean } = {}): LoadedCheckpoint {
  try {
    return loadCheckpoint(dir, opts);
  } catch (e) {
    throw new UserError(
      `cannot continue from the checkpoint in ${dir}: ${(e as Error).message} Restore the directory (a save cut short leaves the previous one as ${path.basename(dir)}.old-* beside it) or start a new run with --out.`,
    );
  }
}

/** Settings that may differ between a run and its resumption: they change how far or how fast, not what. */
const RESUMABLE_CHANGES = new Set(["run.steps", "run.resume", "run.workers", "run.backend", "run.policyThreads"]);

/**
 * Refuses to start over a run without `--resume`; with it, warns about settings that differ from the
 * recorded config (a changed learning rate makes the curve a mix of two runs), then records the new config.
 * @returns whether an earlier run is being continued
 */
export function prepareRunDir(paths: RunPaths, config: ResolvedTrainConfig, warn: (line: string) => void): boolean {
  const existing = fs.existsSync(paths.metrics) || hasCheckpoint(paths.sft) || hasCheckpoint(paths.rl);
  if (existing && !config.run.resume) {
    throw new UserError(
      `${paths.dir} already holds a run; pass --resume to continue it, or --out <dir> to start a new one elsewhere`,
    );
  }
  if (existing && fs.existsSync(paths.config)) {
    try {
      const before = JSON.parse(fs.readFileSync(paths.config, "utf8")) as Record<string, Record<string, unknown>>;
      for (const section of Object.keys(config) as (keyof ResolvedTrainConfig)[]) {
        for (const [key, value] of Object.entries(config[section])) {
          const dotted = `${section}.${key}`;
          if (RESUMABLE_CHANGES.has(dotted)) continue;
          if (JSON.stringify(before[section]?.[key]) !== JSON.stringify(value)) {
            warn(`warning: ${dotted} was ${JSON.stringify(before[section]?.[key])} in this run and is now ${JSON.stringify(value)}; the curve will mix both settings`);
          }
        }
      }
    } catch {
      // An unreadable old config.json is replaced below; the checkpoints carry what resuming needs.
    }
  }
  fs.mkdirSync(paths.dir, { recursive: true });
  const tmp = `${paths.config}.tmp-${process.pid}`;
  fs.writeFileSync(tmp, `${JSON.stringify(config, null, 2)}\n`);
  fs.renameSync(tmp, paths.config);
  return existing;
}
