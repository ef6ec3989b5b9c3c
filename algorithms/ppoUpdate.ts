/**
 * One policy update on a kept batch of rollouts, shared by the three advantage estimators:
 * GRPO (the original), RLOO, and PPO with a value head.
 *
 *   1) old log-probs (and old values) recomputed with the pre-update weights, no gradient;
 *   2) advantages from the configured estimator, one per chunk step, copied to that step's 56 tokens;
 *   3) one pass over contiguous mini-batches of `miniBatchTrajectories` trajectories (no shuffle, no
 *      epochs), each one optimizer step of the clipped surrogate (+ valueCoef · clipped value loss for ppo).
 * Source: veRL `update_policy` in `dp_rob.py` as SimpleVLA-RL runs it (SIMPLEVLA_RL.md §1: old log-probs
 * recomputed after the rollout; 512 / 128 = 4 optimizer steps per rollout batch; one pass).
 *
 * Memory: every chunk step is one model input (one image). A mini-batch's chunk steps are fed through the
 * model in slices of `sliceChunkSteps` rows with their gradients summed before the optimizer step. Each
 * token carries the weight m / (validTokens(trajectory) · M), so the sum over slices is exactly the
 * per-trajectory token mean averaged over the M trajectories, however the rows are sliced.
 *
 * Shape letters (STYLE.md): R chunk-step rows of a slice, T = 56 tokens, M trajectories per mini-batch.
 */
import * as tf from "@tensorflow/tfjs-core";
import "../models/gradients.ts";
import { ACTION_SLOTS, type PolicyModel, type VlaBatch } from "../models/types.ts";
import { getAdvantageEstimator } from "./advantages.ts";
import { type GradientApplier, gradientsInOrder } from "./gradientApplier.ts";
import { clipStatistics, surrogateTerms } from "./policyLoss.ts";
import { type RlConfig, validateRlConfig } from "./rlConfig.ts";
import { type Rollout, validateRollout, validTokenCount } from "./rollout.ts";
import { tokenEntropy, tokenLogProbs } from "./tokenDistribution.ts";
import type { ValueHead } from "./valueHead.ts";
import { clippedValueLoss } from "./valueLoss.ts";

/**
 * Re-creates the model input for chunk steps from what a rollout stored: raw env images and instructions
 * in, a VlaBatch out (the same deterministic centre crop and text tokenization the rollout used). The
 * update disposes the returned tensors.
 */
export type ObservationEncoder = (images: readonly Uint8Array[], instructions: readonly string[]) => VlaBatch;

/** What one update reports (logged under `train/` by the trainer). */
export interface UpdateDiagnostics {
  /** Clipped surrogate, mean over the optimizer steps. */
  policyLoss: number;
  /** Clipped value loss, mean over the optimizer steps (ppo only, else null). */
  valueLoss: number | null;
  /** Fraction of valid tokens where the clip binds (gradient zero). */
  clipFrac: number;
  /** Mean over valid tokens of (ρ − 1) − log ρ, the k3 estimate of KL(old ‖ new). */
  approxKl: number;
  ratioMean: number;
  ratioMax: number;
  /** Mean entropy of the token distributions at the temperature, over valid tokens (nats). */
  entropy: number;
  /** Global gradient norm before clipping: mean and max over the optimizer steps. */
  gradNorm: number;
  gradNormMax: number;
  optimizerSteps: number;
  trajectories: number;
  validTokens: number;
  /** Mean |sampling-time log-prob − recomputed old log-prob| over valid tokens. Near 0 when rollout and
   *  update see the same inputs and weights; a large gap means the encoder or the weights differ. */
  samplingLogProbGap: number;
  /** Mean and population std of the per-trajectory (first chunk step) advantages. */
  advantageMean: number;
  advantageStd: number;
}

export interface UpdateArgs {
  model: PolicyModel;
  /** The kept batch, whole groups of `config.groupSize` in group order. */
  rollouts: readonly Rollout[];
  encode: ObservationEncoder;
  /** Built over `updateVariables(model, valueHead)`, in that order. */
  optimizer: GradientApplier;
  config: RlConfig;
  /** Required when `config.advantage` is "ppo" (ignored, and given no gradient, otherwise). */
  valueHead?: ValueHead;
}

/** The variables the update steps, in the order its optimizer must be built over. */
export function updateVariables(model: PolicyModel, valueHead?: ValueHead): tf.Variable[] {
  return [...model.trainableVariables(), ...(valueHead?.trainableVariables() ?? [])];
}

/** A chunk step of one trajectory: the unit the model sees. */
interface Row {
  trajectory: number;
  step: number;
}

export async function ppoUpdate({ model, rollouts, encode, optimizer, config, valueHead }: UpdateArgs): Promise<UpdateDiagnostics> {
  const estimator = getAdvantageEstimator(config.advantage);
  checkBatch(rollouts, config);
  if (estimator.needsValues && !valueHead) {
    throw new Error(`advantage "${config.advantage}" needs a valueHead; pass one built over model.features.`);
  }
  const critic = estimator.needsValues ? valueHead : undefined;
  const variables = updateVariables(model, valueHead);
  const rows: Row[] = rollouts.flatMap((r, trajectory) => r.steps.map((_, step) => ({ trajectory, step })));
  const rowStart: number[] = []; // first row index of each trajectory
  rollouts.reduce((start, r) => (rowStart.push(start), start + r.steps.length), 0);

  // 1) old log-probs (and values) with the weights that sampled the batch, no gradient
  const oldLogp = new Float32Array(rows.length * ACTION_SLOTS); // [rows·T]
  const oldValues = new Float32Array(rows.length); // [rows]
  for (const [slice, offset] of slices(rows, config.sliceChunkSteps)) {
    const batch = encodeRows(slice, rollouts, encode);
    const logp = tf.tidy(() => tokenLogProbs(model.logits(batch), tokensOf(slice, rollouts), config.temperature)); // [R, T]
    const values = critic ? tf.tidy(() => critic.predict(model.features(batch))) : null; // [R]
    try {
      oldLogp.set(await logp.data(), offset * ACTION_SLOTS);
      if (values) oldValues.set(await values.data(), offset);
    } finally {
      tf.dispose([batch.images, batch.text, logp, ...(values ? [values] : [])]);
    }
  }

  // 2) advantages, one per chunk step
  const { stepAdvantages, returns } = estimator.estimate({
    rewards: rollouts.map((r) => (r.success ? 1 : 0)),
    groupSize: config.groupSize,
    chunkSteps: rollouts.map((r) => r.steps.length),
    values: critic ? rollouts.map((r, n) => Array.from(oldValues.subarray(rowStart[n], rowStart[n] + r.steps.length))) : undefined,
    gamma: config.gamma,
    lambda: config.lambda,
  });

  // 3) one pass over contiguous mini-batches, one optimizer step each
  const totals: SliceSums = { policyLoss: 0, valueLoss: 0, validTokens: 0, clippedTokens: 0, klSum: 0, ratioSum: 0, ratioMax: 0, entropySum: 0 };
  const gradNorms: number[] = [];
  for (let first = 0; first < rollouts.length; first += config.miniBatchTrajectories) {
    const members = Math.min(config.miniBatchTrajectories, rollouts.length - first); // M
    const miniRows = rows.filter((r) => r.trajectory >= first && r.trajectory < first + members);
    let accumulated: (tf.Tensor | null)[] | null = null; // Σ over slices, one per variable
    try {
      for (const [slice] of slices(miniRows, config.sliceChunkSteps)) {
        const batch = encodeRows(slice, rollouts, encode);
        const kept: tf.Scalar[] = []; // the slice's diagnostic sums, read after the backward pass
        let total: tf.Scalar | null = null;
        try {
          const { value, grads } = tf.variableGrads(() => {
            const inputs: SliceInputs = {
              tokens: tokensOf(slice, rollouts),
              logpOld: tf.tensor2d(gatherRows(oldLogp, slice, rowStart, ACTION_SLOTS), [slice.length, ACTION_SLOTS]),
              advantages: tf.tensor1d(slice.map((r) => stepAdvantages[r.trajectory][r.step])),
              tokenMask: tf.tensor2d(maskOf(slice, rollouts), [slice.length, ACTION_SLOTS]),
              tokenDenominators: tf.tensor2d(slice.map((r) => [validTokenCount(rollouts[r.trajectory].finishStep) * members])),
            };
            const valueInputs = critic && returns
              ? {
                  head: critic,
                  oldValues: tf.tensor1d(gatherRows(oldValues, slice, rowStart, 1)),
                  returns: tf.tensor1d(slice.map((r) => returns[r.trajectory][r.step])),
                  rowWeights: tf.tensor1d(slice.map((r) => 1 / (rollouts[r.trajectory].steps.length * members))),
                }
              : null;
            const out = sliceLoss(model, batch, inputs, valueInputs, config);
            kept.push(...out.sums.map((t) => tf.keep(t)));
            return out.total;
          }, variables);
          total = value; // may be one of the kept sums itself: dispose only after reading
          accumulated = addGradients(accumulated, gradientsInOrder(variables, grads));
          tf.dispose(Object.values(grads));
          addSums(totals, await readScalars(kept));
        } finally {
          tf.dispose([batch.images, batch.text, ...kept, ...(total ? [total] : [])]);
        }
      }
      if (accumulated) gradNorms.push((await optimizer.applyGradients(accumulated)).gradNorm);
    } finally {
      if (accumulated) tf.dispose(accumulated.filter((g): g is tf.Tensor => g !== null));
    }
  }

  const steps = gradNorms.length;
  const firstStepAdvantages = stepAdvantages.map((a) => a[0]);
  const advantageMean = firstStepAdvantages.reduce((a, b) => a + b, 0) / firstStepAdvantages.length;
  const advantageVar = firstStepAdvantages.reduce((a, b) => a + (b - advantageMean) ** 2, 0) / firstStepAdvantages.length;
  const valid = Math.max(totals.validTokens, 1);
  return {
    policyLoss: totals.policyLoss / steps,
    valueLoss: critic ? totals.valueLoss / steps : null,
    clipFrac: totals.clippedTokens / valid,
    approxKl: totals.klSum / valid,
    ratioMean: totals.ratioSum / valid,
    ratioMax: totals.ratioMax,
    entropy: totals.entropySum / valid,
    gradNorm: gradNorms.reduce((a, b) => a + b, 0) / steps,
    gradNormMax: Math.max(...gradNorms),
    optimizerSteps: steps,
    trajectories: rollouts.length,
    validTokens: totals.validTokens,
    samplingLogProbGap: samplingGap(rows, rollouts, oldLogp),
    advantageMean,
    advantageStd: Math.sqrt(advantageVar),
  };
}

/** The tensors of one slice of R chunk-step rows (built inside the gradient scope, which disposes them). */
interface SliceInputs {
  /** [R, T] int32 sampled tokens. */
  tokens: tf.Tensor2D;
  /** [R, T] old log-probs (constants). */
  logpOld: tf.Tensor2D;
  /** [R] advantage of each row's chunk step. */
  advantages: tf.Tensor1D;
  /** [R, T] 1 for executed tokens. */
  tokenMask: tf.Tensor2D;
  /** [R, 1] validTokens(trajectory) · M: the token weight is mask / this. */
  tokenDenominators: tf.Tensor2D;
}

/** The critic's part of a slice ("ppo" only). */
interface SliceValueInputs {
  head: ValueHead;
  /** [R] V before the update, [R] GAE returns, [R] weights 1 / (chunkSteps(trajectory) · M). */
  oldValues: tf.Tensor1D;
  returns: tf.Tensor1D;
  rowWeights: tf.Tensor1D;
}

/** Running sums over slices, in the order `sliceLoss` returns them. */
interface SliceSums {
  policyLoss: number;
  validTokens: number;
  clippedTokens: number;
  klSum: number;
  ratioSum: number;
  ratioMax: number;
  entropySum: number;
  valueLoss: number;
}

/**
 * The slice's share of the mini-batch loss,
 *   L = Σ_{r,t} m_{r,t} / (validTokens(n_r) · M) · max(−A·ρ, −A·clip(ρ))  [+ valueCoef · L_V],
 * and its diagnostic sums, from one forward pass (logits give both log-probs and entropy).
 */
function sliceLoss(
  model: PolicyModel,
  batch: VlaBatch,
  inputs: SliceInputs,
  valueInputs: SliceValueInputs | null,
  config: RlConfig,
): { total: tf.Scalar; sums: tf.Scalar[] } {
  const logits = model.logits(batch); // [R, T, K]
  const logpNew = tokenLogProbs(logits, inputs.tokens, config.temperature); // [R, T]
  const terms = surrogateTerms(logpNew, inputs.logpOld, inputs.advantages, config);
  const tokenWeights = tf.div(inputs.tokenMask, inputs.tokenDenominators); // [R, T]
  const policyLoss = tf.sum(tf.mul(tokenWeights, terms.perTokenLoss)) as tf.Scalar;
  const stats = clipStatistics(terms, inputs.tokenMask);
  const entropySum = tf.sum(tf.mul(tokenEntropy(logits, config.temperature), inputs.tokenMask)) as tf.Scalar;
  const sums = [policyLoss, stats.validTokens, stats.clippedTokens, stats.klSum, stats.ratioSum, stats.ratioMax, entropySum];
  if (!valueInputs) return { total: policyLoss, sums };
  const { head, oldValues, returns, rowWeights } = valueInputs;
  const values = head.predict(model.features(batch)); // [R]
  const { loss: valueLoss } = clippedValueLoss(values, oldValues, returns, config.valueClip, rowWeights);
  return { total: tf.add(policyLoss, tf.mul(config.valueCoef, valueLoss)) as tf.Scalar, sums: [...sums, valueLoss] };
}

function addSums(totals: SliceSums, [policyLoss, validTokens, clippedTokens, klSum, ratioSum, ratioMax, entropySum, valueLoss]: number[]): void {
  totals.policyLoss += policyLoss;
  totals.validTokens += validTokens;
  totals.clippedTokens += clippedTokens;
  totals.klSum += klSum;
  totals.ratioSum += ratioSum;
  totals.ratioMax = Math.max(totals.ratioMax, ratioMax);
  totals.entropySum += entropySum;
  totals.valueLoss += valueLoss ?? 0;
}

/** Mean |sampling-time − recomputed| log-prob over the valid tokens of all rows. */
function samplingGap(rows: readonly Row[], rollouts: readonly Rollout[], oldLogp: Float32Array): number {
  let sum = 0;
  let count = 0;
  rows.forEach((r, i) => {
    const rollout = rollouts[r.trajectory];
    const valid = Math.max(0, Math.min(validTokenCount(rollout.finishStep) - r.step * ACTION_SLOTS, ACTION_SLOTS));
    const sampled = rollout.steps[r.step].samplingLogProbs;
    for (let j = 0; j < valid; j++) sum += Math.abs(sampled[j] - oldLogp[i * ACTION_SLOTS + j]);
    count += valid;
  });
  return count > 0 ? sum / count : 0;
}

function checkBatch(rollouts: readonly Rollout[], config: RlConfig): void {
  if (rollouts.length === 0) throw new Error("ppoUpdate needs at least one rollout; skip the step when no group was kept.");
  validateRlConfig(config);
  if (rollouts.length % config.groupSize !== 0) {
    throw new Error(`the batch has ${rollouts.length} rollouts, not whole groups of groupSize ${config.groupSize}.`);
  }
  rollouts.forEach((r, n) => {
    validateRollout(r, `rollouts[${n}]`);
    const leader = rollouts[n - (n % config.groupSize)];
    if (r.groupId !== leader.groupId) {
      throw new Error(`rollouts[${n}] has groupId ${r.groupId} but its group (from rollouts[${n - (n % config.groupSize)}]) is ${leader.groupId}; pass groups contiguously.`);
    }
  });
}

/**
 * previous + next per variable (null = no gradient yet); returns new tensors and disposes `previous`
 * (`next` stays with the caller).
 */
function addGradients(previous: (tf.Tensor | null)[] | null, next: (tf.Tensor | null)[]): (tf.Tensor | null)[] {
  const sum = next.map((g, i) => {
    const p = previous?.[i] ?? null;
    if (g === null) return p === null ? null : tf.clone(p);
    return p === null ? tf.clone(g) : tf.add(p, g);
  });
  if (previous) tf.dispose(previous.filter((g): g is tf.Tensor => g !== null));
  return sum;
}

/** Consecutive slices of at most `size` rows, each with its offset. */
function* slices(rows: readonly Row[], size: number): Generator<[Row[], number]> {
  for (let offset = 0; offset < rows.length; offset += size) yield [rows.slice(offset, offset + size), offset];
}

/** Reads scalars back asynchronously (webgpu in Node cannot read synchronously). */
async function readScalars(scalars: readonly tf.Scalar[]): Promise<number[]> {
  return (await Promise.all(scalars.map((t) => t.data()))).map((d) => d[0]);
}

function encodeRows(slice: readonly Row[], rollouts: readonly Rollout[], encode: ObservationEncoder): VlaBatch {
  return encode(
    slice.map((r) => rollouts[r.trajectory].steps[r.step].image),
    slice.map((r) => rollouts[r.trajectory].instruction),
  );
}

/** [R, T] int32 sampled tokens of the rows. */
function tokensOf(slice: readonly Row[], rollouts: readonly Rollout[]): tf.Tensor2D {
  const tokens = new Int32Array(slice.length * ACTION_SLOTS);
  slice.forEach((r, i) => tokens.set(rollouts[r.trajectory].steps[r.step].tokens, i * ACTION_SLOTS));
  return tf.tensor2d(tokens, [slice.length, ACTION_SLOTS], "int32");
}

/** [R·T] token mask of the rows: token j of chunk step c is valid iff 56·c + j < 7·finishStep. */
function maskOf(slice: readonly Row[], rollouts: readonly Rollout[]): Float32Array {
  const mask = new Float32Array(slice.length * ACTION_SLOTS);
  slice.forEach((r, i) => {
    const valid = validTokenCount(rollouts[r.trajectory].finishStep) - r.step * ACTION_SLOTS;
    mask.fill(1, i * ACTION_SLOTS, i * ACTION_SLOTS + Math.min(Math.max(valid, 0), ACTION_SLOTS));
  });
  return mask;
}

/** Copies the per-row entries (`width` each) of a flat per-row array into a [R·width] array. */
function gatherRows(source: Float32Array, slice: readonly Row[], rowStart: readonly number[], width: number): Float32Array {
  const out = new Float32Array(slice.length * width);
  slice.forEach((r, i) => {
    const row = rowStart[r.trajectory] + r.step;
    out.set(source.subarray(row * width, (row + 1) * width), i * width);
  });
  return out;
}
