/**
 * What turns the VLA of `models/` into this project's policy: its text vocabulary (the instructions of all
 * 130 LIBERO tasks, passed down from `sim/` here because `models/` may not import `sim/`), the action
 * statistics of the demonstrations, the observation encoder shared by rollouts and the update, and what a
 * checkpoint carries beside the weights so that it can be evaluated or resumed alone.
 *
 * Shape letters (STYLE.md): B batch, S model image side, L text length.
 */
import fs from "node:fs";
import path from "node:path";
import * as tf from "@tensorflow/tfjs-core";
import { actionStatsFromJSON, actionStatsToJSON, type ActionStats } from "../../models/actionNormalizer.ts";
import { vlaPreset, type VlaConfig } from "../../models/config.ts";
import { prepareImages } from "../../models/imagePrep.ts";
import { TextTokenizer } from "../../models/textTokenizer.ts";
import type { ObservationEncoder } from "../../algorithms/ppoUpdate.ts";
import { STATISTICS_FILE, statisticsKey } from "../../sim/dataset/stats.ts";
import { allInstructions } from "../../sim/tasks/registry.ts";
import { UserError } from "../cli/errors.ts";
import type { ValueHeadJSON } from "./valueHeadState.ts";

/** The tokenizer every run uses: one id per word of the 130 instructions, the same on every machine. */
export function projectTextTokenizer(): TextTokenizer {
  return TextTokenizer.fromInstructions(allInstructions());
}

/**
 * The preset's VLA shape, with its vocabulary widened when the tokenizer needs more ids (the `tiny` preset's
 * 64 is below the 81 words of the 130 instructions).
 */
export function vlaConfigFor(preset: string, tokenizer: TextTokenizer): VlaConfig {
  const config = vlaPreset(preset);
  return { ...config, vocabSize: Math.max(config.vocabSize, tokenizer.vocabSize) };
}

/**
 * Raw env images and instructions → the model's input: the deterministic centre crop of 0.9 area resized to
 * S (models/imagePrep.ts, the crop rollouts use), instructions to L ids. The caller disposes both tensors.
 * @returns images [B, S, S, 3], text [B, L] int32
 */
export function observationEncoder(config: Pick<VlaConfig, "imageSize" | "maxTextLen">, tokenizer: TextTokenizer): ObservationEncoder {
  return (images, instructions) => {
    const L = config.maxTextLen;
    const text = new Int32Array(instructions.length * L); // [B·L]
    instructions.forEach((s, b) => text.set(tokenizer.encode(s, L), b * L));
    return { images: prepareImages([...images], config.imageSize), text: tf.tensor2d(text, [instructions.length, L], "int32") };
  };
}

/** The suite's action statistics, `<demosDir>/dataset_statistics.json` under the key `<suite>_no_noops`. */
export function readSuiteActionStats(demosDir: string, suite: string): ActionStats {
  const file = path.join(demosDir, STATISTICS_FILE);
  let json: Record<string, { action?: unknown }>;
  try {
    json = JSON.parse(fs.readFileSync(file, "utf8"));
  } catch (e) {
    const why = (e as NodeJS.ErrnoException).code === "ENOENT" ? "it does not exist" : (e as Error).message;
    throw new UserError(`cannot read the demo statistics ${file}: ${why}; generate the demos again (npm run demos)`);
  }
  const key = statisticsKey(suite);
  if (json[key] === undefined) throw new UserError(`${file} has no statistics for ${suite} (key "${key}"); generate the demos of ${suite}`);
  return actionStatsFromJSON(json[key].action, `${file} ${key}.action`);
}

/** What a checkpoint holds beside weights and optimizer (checkpoint.ts `extras`). */
export interface PolicyExtras {
  /** Which stage wrote it. */
  stage: "sft" | "rl";
  /** Completed steps of that stage. */
  step: number;
  /** SFT only: the stage ran to its last step. */
  finished: boolean;
  suite: string;
  tasks: number[];
  preset: string;
  textTokenizer: ReturnType<TextTokenizer["toJSON"]>;
  actionStats: ActionStats;
  /** Wall-clock seconds of the run so far (summed over resumes), for the metrics' `time`. */
  elapsed: number;
  /** RL only: training (task, index) pairs drawn from the sampler so far; a resumed sampler replays them. */
  pairsDrawn?: number;
  /** RL with --algo ppo: the value head and its AdamW moments (valueHeadState.ts). */
  valueHead?: ValueHeadJSON;
}

export function makeExtras(e: Omit<PolicyExtras, "textTokenizer" | "actionStats"> & { tokenizer: TextTokenizer; stats: ActionStats }): PolicyExtras {
  const { tokenizer, stats, ...rest } = e;
  return { ...rest, textTokenizer: tokenizer.toJSON(), actionStats: actionStatsToJSON(stats) };
}

/** Reads and checks a checkpoint's extras; a checkpoint from elsewhere gets a sentence, not a crash. */
export function readExtras(extras: Record<string, unknown>, where: string): PolicyExtras & { tokenizer: TextTokenizer; stats: ActionStats } {
  const e = extras as unknown as PolicyExtras;
  if ((e.stage !== "sft" && e.stage !== "rl") || !Number.isInteger(e.step) || typeof e.suite !== "string") {
    throw new UserError(`${where} was not written by npm run train (its extras.json lacks stage, step or suite)`);
  }
  return { ...e, tokenizer: TextTokenizer.fromJSON(e.textTokenizer, `${where} textTokenizer`), stats: actionStatsFromJSON(e.actionStats, `${where} actionStats`) };
}
