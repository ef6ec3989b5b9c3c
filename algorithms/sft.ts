/**
 * Supervised fine-tuning on demonstrations: no-op filtering, (image, instruction, next 8 actions) windows,
 * and one cross-entropy step on the 56 action tokens.
 *
 * Source: SimpleVLA-RL's SFT is OpenVLA-OFT's `finetune.py` with `--use_l1_regression False`: parallel
 * decoding of a chunk of 8 actions, plain cross-entropy on the discrete action tokens, one third-person
 * image plus language, data `libero_*_no_noops` (SIMPLEVLA_RL.md §2).
 *
 * Shape letters (STYLE.md): B batch, T tokens (56), K bins (256), S steps, C chunk length (8), A dims (7).
 */
import * as tf from "@tensorflow/tfjs-core";
import "../models/gradients.ts";
import { ACTION_DIM, ACTION_SLOTS, CHUNK_LEN, NUM_BINS, type PolicyModel, type VlaBatch } from "../models/types.ts";
import type { ActionStats } from "../models/actionNormalizer.ts";
import { encodeChunks } from "../models/actionTokenizer.ts";
import type { Rng } from "../models/types.ts";
import { augmentImages, type AugmentConfig, defaultAugmentConfig, imagesToTensor } from "./augment.ts";
import { type GradientApplier, gradientsInOrder } from "./gradientApplier.ts";

/** An episode in memory (the dataset reader lives in `sim/`). */
export interface SftEpisode {
  /** Per step one 128·128·3 agentview image, the observation the step's action was taken from. */
  images: Uint8Array[];
  /** [S·7] env actions, step-major. */
  actions: Float32Array;
  instruction: string;
}

/** One training example: the observation and the chunk of the next 8 actions. */
export interface SftWindow {
  image: Uint8Array;
  instruction: string;
  /** [C·A] = [56] actions t..t+7, slot 7·t + d (the token layout). */
  actions: Float32Array;
}

/**
 * OpenVLA's no-op test lives beside the dataset statistics (sim/dataset/stats.ts), which drop the same
 * steps; SFT re-exports it so that the two can never disagree.
 */
export { isNoOp, NOOP_THRESHOLD } from "../sim/dataset/stats.ts";
import { isNoOp } from "../sim/dataset/stats.ts";

/** The episode without its no-op steps (image and action of a dropped step go together). */
export function dropNoOps(episode: SftEpisode): SftEpisode {
  const steps = checkEpisode(episode);
  const keptImages: Uint8Array[] = [];
  const keptActions: number[] = [];
  let previous: Float32Array | null = null;
  for (let s = 0; s < steps; s++) {
    const action = episode.actions.subarray(s * ACTION_DIM, (s + 1) * ACTION_DIM); // [A]
    if (isNoOp(action, previous)) continue;
    keptImages.push(episode.images[s]);
    keptActions.push(...action);
    previous = action;
  }
  return { images: keptImages, actions: Float32Array.from(keptActions), instruction: episode.instruction };
}

/**
 * One window per step t: (image_t, instruction, actions t..t+7).
 *
 * Windows that run past the episode's end are padded by repeating the last action, not masked. The OFT data
 * pipeline does the same (its chunking clamps future indices to the last step), and the SFT model is the
 * one RL starts from, so we match it. Masking would also drop supervision from the final steps of every
 * episode, the approach and release that decide success; the repeated last action (the gripper's final
 * state with a small or zero motion) is a sensible "keep doing this" target for them.
 */
export function cutWindows(episode: SftEpisode): SftWindow[] {
  const steps = checkEpisode(episode);
  const windows: SftWindow[] = [];
  for (let t = 0; t < steps; t++) {
    const actions = new Float32Array(ACTION_SLOTS); // [C·A]
    for (let c = 0; c < CHUNK_LEN; c++) {
      const source = Math.min(t + c, steps - 1); // past the end: repeat the last action
      actions.set(episode.actions.subarray(source * ACTION_DIM, (source + 1) * ACTION_DIM), c * ACTION_DIM);
    }
    windows.push({ image: episode.images[t], instruction: episode.instruction, actions });
  }
  return windows;
}

/** What turns windows into model inputs: the model's input size, the text tokenizer, the action statistics. */
export interface SftBatchSpec {
  /** S, the model's input side (`VlaConfig.imageSize`). */
  imageSize: number;
  /** L, text ids per instruction (right-padded with 0). */
  textLength: number;
  /** `models/textTokenizer.ts`' TextTokenizer fits. */
  textTokenizer: { encode(text: string, maxLen: number): Int32Array };
  /** q01/q99 statistics of the dataset the windows come from. */
  actionStats: ActionStats;
  augment?: AugmentConfig;
}

/**
 * A training batch from windows: images through OFT's augmentation (seeded by `rng`), instructions to ids,
 * action chunks to their 56 tokens (DESIGN.md "Action tokens"). The caller disposes the three tensors.
 * @returns batch.images [B, S, S, 3], batch.text [B, L] int32, targets [B, 56] int32
 */
export function makeSftBatch(windows: readonly SftWindow[], spec: SftBatchSpec, rng: Rng): { batch: VlaBatch; targets: tf.Tensor2D } {
  if (windows.length === 0) throw new Error("makeSftBatch needs at least one window.");
  const actions = new Float32Array(windows.length * ACTION_SLOTS); // [B·56]
  const text = new Int32Array(windows.length * spec.textLength); // [B·L]
  windows.forEach((w, b) => {
    actions.set(w.actions, b * ACTION_SLOTS);
    text.set(spec.textTokenizer.encode(w.instruction, spec.textLength), b * spec.textLength);
  });
  const targets = tf.tensor2d(encodeChunks(actions, spec.actionStats), [windows.length, ACTION_SLOTS], "int32");
  const raw = imagesToTensor(windows.map((w) => w.image)); // [B, 128, 128, 3]
  try {
    const images = augmentImages(raw, rng, spec.imageSize, spec.augment ?? defaultAugmentConfig());
    return { batch: { images, text: tf.tensor2d(text, [windows.length, spec.textLength], "int32") }, targets };
  } finally {
    raw.dispose();
  }
}

/**
 * SFT loss and token accuracy at temperature 1:
 *   L = −(1/(B·T)) Σ_{b,t} log softmax(logits_{b,t})[y_{b,t}],   accuracy = mean[argmax logits = y].
 * @param logits [B, T, K]
 * @param targets [B, T] int32 in 0..255
 */
export function sftLoss(logits: tf.Tensor3D, targets: tf.Tensor2D): { loss: tf.Scalar; accuracy: tf.Scalar } {
  const [batch, slots, bins] = logits.shape;
  if (targets.shape[0] !== batch || targets.shape[1] !== slots) {
    throw new Error(`targets must be [B, T] = [${batch}, ${slots}] to match the logits, got [${targets.shape}].`);
  }
  if (bins !== NUM_BINS) throw new Error(`logits must have ${NUM_BINS} bins in their last axis, got ${bins}.`);
  return tf.tidy(() => {
    const labels = tf.cast(targets, "int32");
    const logp = tf.logSoftmax(logits); // [B, T, K]
    const targetLogp = tf.sum(tf.mul(logp, tf.oneHot(labels, bins)), 2); // [B, T]
    const loss = tf.neg(tf.mean(targetLogp)) as tf.Scalar;
    const accuracy = tf.mean(tf.cast(tf.equal(tf.argMax(logits, 2), labels), "float32")) as tf.Scalar;
    return { loss, accuracy };
  });
}

/** The learning-rate schedule of SFT. */
export interface SftSchedule {
  /** Total optimizer steps. */
  steps: number;
  /** Peak learning rate. */
  lr: number;
  /** Steps of linear warm-up. */
  warmup: number;
  schedule: "cosine" | "constant";
}

/**
 * The learning rate of step `step` (1-based): lr·step/warmup during warm-up, then either lr ("constant", as
 * OFT's fine-tuning of a pretrained VLA) or a half cosine from lr down to lr/10 at the last step ("cosine",
 * for a model trained from scratch: the high rate gets it off its initial plateau, the low one settles it).
 * A pure function of the step, so a resumed run follows the same schedule.
 *
 * Worked example (steps 100, warmup 10, lr 1e-3, cosine): step 5 → 5e-4, step 10 → 1e-3,
 * step 55 (half-way through the decay) → 5.5e-4, step 100 → 1e-4.
 */
export function sftLearningRate(step: number, s: SftSchedule): number {
  if (step <= s.warmup) return (s.lr * step) / s.warmup;
  if (s.schedule === "constant") return s.lr;
  const progress = Math.min(1, (step - s.warmup) / Math.max(1, s.steps - s.warmup));
  const floor = s.lr / 10;
  return floor + (s.lr - floor) * 0.5 * (1 + Math.cos(Math.PI * progress));
}

export interface SftStepResult {
  /** Cross-entropy before the step. */
  loss: number;
  /** Token accuracy before the step. */
  accuracy: number;
  /** Global gradient norm before clipping. */
  gradNorm: number;
}

/**
 * One optimizer step of cross-entropy on a batch (images already augmented and sized by the caller).
 * `optimizer` must have been built over `model.trainableVariables()`, in that order.
 * @param batch images [B, S, S, 3], text [B, L]
 * @param targets [B, 56] action tokens
 */
export async function sftStep(
  model: PolicyModel,
  batch: VlaBatch,
  targets: tf.Tensor2D,
  optimizer: GradientApplier,
): Promise<SftStepResult> {
  return (await submitSftStep(model, batch, targets, optimizer)).result;
}

/**
 * sftStep, resolved once the step is recorded: `batch` and `targets` may then be disposed and the next batch
 * prepared while the GPU runs this step (with an optimizer that has submitGradients; otherwise the step
 * has already run). `result` settles when it has.
 */
export async function submitSftStep(
  model: PolicyModel,
  batch: VlaBatch,
  targets: tf.Tensor2D,
  optimizer: GradientApplier,
): Promise<{ result: Promise<SftStepResult> }> {
  const variables = model.trainableVariables();
  let accuracy: tf.Scalar | null = null;
  const { value, grads } = tf.variableGrads(() => {
    const result = sftLoss(model.logits(batch), targets);
    accuracy = tf.keep(result.accuracy);
    return result.loss;
  }, variables);
  const scalars = [value, accuracy as unknown as tf.Scalar];
  try {
    const ordered = gradientsInOrder(variables, grads);
    const info = optimizer.submitGradients
      ? (await optimizer.submitGradients(ordered)).info
      : Promise.resolve(await optimizer.applyGradients(ordered));
    // The loss and accuracy are read back once the step has run; their tensors live until then.
    const result = Promise.all([info, ...scalars.map((t) => t.data())]).then(([{ gradNorm }, loss, tokenAccuracy]) => ({
      loss: (loss as Float32Array)[0],
      accuracy: (tokenAccuracy as Float32Array)[0],
      gradNorm,
    }));
    const release = () => tf.dispose(scalars);
    result.then(release, release);
    return { result };
  } catch (e) {
    tf.dispose(scalars);
    throw e;
  } finally {
    tf.dispose(Object.values(grads));
  }
}

function checkEpisode(episode: SftEpisode): number {
  const steps = episode.images.length;
  if (episode.actions.length !== steps * ACTION_DIM) {
    throw new Error(
      `episode.actions has ${episode.actions.length} floats but ${steps} images need ${steps}·7 = ${steps * ACTION_DIM}.`,
    );
  }
  return steps;
}
