/**
 * Supervised fine-tuning on the demonstrations (SimpleVLA-RL's SFT, OpenVLA-OFT's `finetune.py` with
 * discrete action tokens; SIMPLEVLA_RL.md §2): demos → no-op steps dropped → one window per step (image,
 * instruction, next 8 actions) → `sft.steps` AdamW steps of cross-entropy on the 56 action tokens, each on
 * `sft.batch` windows through OFT's image augmentation.
 *
 * Determinism and resuming: step s draws its windows and its augmentation from its own stream
 * seedrandom("sft/<seed>/<s>"), so a resumed stage continues with exactly the batches an uninterrupted one
 * would have seen, from nothing but the step count in the checkpoint. The checkpoint `<runDir>/sft/` is
 * written every `checkpointEvery` steps, on interrupt, and at the end (marked finished; a finished one
 * makes the stage a no-op).
 *
 * Memory: frames stay compressed as the dataset stores them (≈ 2.5 KB each) and are decoded per batch, so a
 * trajall suite fits in memory too.
 */
import path from "node:path";
import seedrandom from "seedrandom";
import * as tf from "@tensorflow/tfjs-core";
import type { ActionStats } from "../../models/actionNormalizer.ts";
import { restoreOptimizer, restoreWeights, saveCheckpoint } from "../../models/checkpoint.ts";
import { AdamW } from "../../models/optim.ts";
import type { TextTokenizer } from "../../models/textTokenizer.ts";
import type { Vla } from "../../models/vla.ts";
import { cutWindows, dropNoOps, makeSftBatch, sftLearningRate, type SftStepResult, type SftWindow, submitSftStep } from "../../algorithms/sft.ts";
import { DemoReader } from "../../sim/dataset/reader.ts";
import { decodeEncodedImage, type EncodedImage } from "../../sim/dataset/record.ts";
import { Interrupted, interruptSignal } from "../cli/errors.ts";
import type { ResolvedTrainConfig } from "../config/trainConfig.ts";
import { METRIC, type MetricsWriter } from "../metrics.ts";
import { progress } from "../progress.ts";
import { makeExtras, readExtras } from "./policy.ts";
import { hasCheckpoint, loadRunCheckpoint, type RunPaths } from "./runDir.ts";

export interface SftStageOptions {
  config: ResolvedTrainConfig;
  paths: RunPaths;
  model: Vla;
  tokenizer: TextTokenizer;
  stats: ActionStats;
  metrics: MetricsWriter;
  /** Seconds of the run so far (summed over resumes), given the elapsed seconds in the checkpoint resumed from. */
  elapsed: () => number;
  /** Steps between checkpoints (default 100). */
  checkpointEvery?: number;
  resumeHint: string;
  log: (line: string) => void;
}

/**
 * The windows of every demo of the run's tasks, with their frames still compressed: `image` of a window is
 * the stored bytes of its frame, found again in `frames` to decode it (dropNoOps and cutWindows carry images
 * along by reference and never look inside).
 */
export async function loadDemoWindows(demosDir: string, tasks: readonly number[], perTask: number): Promise<{ windows: SftWindow[]; frames: WeakMap<Uint8Array, EncodedImage>; episodes: number }> {
  const windows: SftWindow[] = [];
  const frames = new WeakMap<Uint8Array, EncodedImage>();
  let episodes = 0;
  for (const taskId of tasks) {
    const reader = await DemoReader.open(path.join(demosDir, `task${taskId}.demos`));
    try {
      let kept = 0;
      for (let i = 0; i < reader.episodeCount && kept < perTask; i++) {
        const ep = await reader.readEncodedEpisode(i);
        if (!ep.success) continue;
        kept++;
        for (const f of ep.images) frames.set(f.bytes, f);
        windows.push(...cutWindows(dropNoOps({ images: ep.images.map((f) => f.bytes), actions: ep.actions, instruction: ep.instruction })));
      }
      episodes += kept;
    } finally {
      await reader.close();
    }
  }
  if (windows.length === 0) throw new Error(`no demonstration steps in ${demosDir} for tasks ${tasks.join(",")}`);
  return { windows, frames, episodes };
}

/** `count` distinct windows (all of them when there are fewer), by a partial Fisher–Yates shuffle. */
function drawWindows(windows: readonly SftWindow[], count: number, rng: () => number): SftWindow[] {
  const order = windows.map((_, i) => i);
  const n = Math.min(count, order.length);
  for (let i = 0; i < n; i++) {
    const j = i + Math.floor(rng() * (order.length - i));
    [order[i], order[j]] = [order[j], order[i]];
  }
  return order.slice(0, n).map((i) => windows[i]);
}

/** Runs (or finishes, or skips) SFT; on return the model holds the SFT weights. */
export async function runSftStage(o: SftStageOptions): Promise<{ skipped: boolean }> {
  const { config, paths, model, tokenizer, stats, metrics } = o;
  const { sft, run } = config;
  const checkpointEvery = o.checkpointEvery ?? 100;
  const optimizer = new AdamW(model.trainableVariables(), { lr: sft.lr });
  try {
    let start = 0;
    if (hasCheckpoint(paths.sft)) {
      // A finished SFT hands on its weights only (RL starts fresh AdamW moments), so its optimizer files
      // need not be there: a run carried between machines may leave them behind.
      const weights = loadRunCheckpoint(paths.sft, { weightsOnly: true });
      const extras = readExtras(weights.extras, paths.sft);
      restoreWeights(model, weights);
      if (extras.finished) {
        o.log(`sft: finished checkpoint found in ${paths.sft} (${extras.step} steps); skipping SFT`);
        return { skipped: true };
      }
      restoreOptimizer(optimizer, loadRunCheckpoint(paths.sft));
      start = extras.step;
      o.log(`sft: resuming at step ${start}/${sft.steps} from ${paths.sft}`);
    }

    const { windows, frames, episodes } = await loadDemoWindows(run.demos, run.tasks, run.perTask);
    o.log(`sft: ${episodes} demos of ${run.tasks.length} task(s), ${windows.length} windows after dropping no-ops; ${sft.steps} steps of ${sft.batch}, lr ${sft.lr} (${sft.warmup} warm-up steps, ${sft.schedule})`);
    const spec = { imageSize: model.config.imageSize, textLength: model.config.maxTextLen, textTokenizer: tokenizer, actionStats: stats };
    const save = (step: number, finished: boolean) =>
      saveCheckpoint(
        paths.sft,
        {
          model, optimizer,
          extras: { ...makeExtras({ stage: "sft", step, finished, suite: run.suite, tasks: run.tasks, preset: run.preset, elapsed: o.elapsed(), tokenizer, stats }) },
        },
        // float32 moments: a resumed run must continue bit for bit.
        { momentsDtype: "float32" },
      );
    // Log about 200 points over the stage (every step of a short one).
    const logEvery = Math.max(1, Math.round(sft.steps / 200));
    const bar = progress("sft", sft.steps, { start });
    let lossSum = 0;
    let accSum = 0;
    let logged = 0;
    let since = performance.now();
    // Steps are submitted one ahead: step k's results are read while step k + 1 runs on the GPU (on the CPU
    // backends every step has already run when it is submitted). `settle` books a step in order.
    let pending: { step: number; lr: number; result: Promise<SftStepResult> } | null = null;
    const settle = async () => {
      if (pending === null) return;
      const { step, lr, result: next } = pending;
      pending = null;
      const result = await next;
      lossSum += result.loss;
      accSum += result.accuracy;
      logged++;
      bar.tick(1, { loss: result.loss });
      if (step % logEvery === 0 || step === sft.steps) {
        metrics.append({
          phase: "sft", step, [METRIC.time]: o.elapsed(), [METRIC.sftLoss]: lossSum / logged, [METRIC.sftLr]: lr,
          "sft/accuracy": accSum / logged, "sft/gradNorm": result.gradNorm, [`${METRIC.timePrefix}sft`]: (performance.now() - since) / 1000,
        });
        lossSum = accSum = logged = 0;
        since = performance.now();
      }
    };
    for (let step = start + 1; step <= sft.steps; step++) {
      const rng = seedrandom(`sft/${run.seed}/${step}`);
      const picked = drawWindows(windows, sft.batch, rng).map((w) => ({ ...w, image: decodeEncodedImage(frames.get(w.image)!) }));
      const { batch, targets } = makeSftBatch(picked, spec, rng);
      const lr = sftLearningRate(step, sft);
      optimizer.setLearningRate(lr);
      let submitted;
      try {
        submitted = await submitSftStep(model, batch, targets, optimizer);
      } finally {
        tf.dispose([batch.images, batch.text, targets]);
      }
      await settle();
      submitted.result.catch(() => undefined); // a failure surfaces where it is awaited, not as an unhandled rejection
      pending = { step, lr, result: submitted.result };
      if (step === sft.steps) break;
      // On the CPU backends every await above resolves as a microtask, so without this the event loop would
      // never get to deliver Ctrl-C while SFT runs.
      await new Promise((resolve) => setImmediate(resolve));
      if (interruptSignal() !== null) {
        await settle();
        await save(step, false);
        bar.done();
        throw new Interrupted(`SFT stopped after step ${step}/${sft.steps} with a checkpoint in ${paths.sft}; continue with: ${o.resumeHint}`);
      }
      if (step % checkpointEvery === 0) {
        await settle();
        await save(step, false);
      }
    }
    await settle();
    await save(sft.steps, true);
    bar.done();
    return { skipped: false };
  } finally {
    optimizer.dispose();
  }
}
