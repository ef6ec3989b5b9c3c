/**
 * The clipped policy-gradient surrogate of SimpleVLA-RL (PPO's objective with DAPO's asymmetric
 * "clip-higher" bounds, no KL, no entropy term), on action-token log-probs.
 *
 * Shape letters (STYLE.md): N rows (trajectories, or chunk steps when the update slices), T tokens.
 */
import * as tf from "@tensorflow/tfjs-core";

/** Clip bounds: the ratio is clipped to [1 − clipLow, 1 + clipHigh] (original: 0.2 / 0.28). */
export interface ClipBounds {
  clipLow: number;
  clipHigh: number;
}

/** Per-token pieces of the surrogate, named as CleanRL names them. */
export interface SurrogateTerms {
  /** [N, T] ρ = exp(logpNew − logpOld). */
  ratio: tf.Tensor2D;
  /** [N, T] −A·ρ. */
  pgLoss1: tf.Tensor2D;
  /** [N, T] −A·clip(ρ, 1 − clipLow, 1 + clipHigh). */
  pgLoss2: tf.Tensor2D;
  /** [N, T] max(pgLoss1, pgLoss2): the pessimistic bound. */
  perTokenLoss: tf.Tensor2D;
}

/**
 * Per-token clipped surrogate:
 *   ρ = exp(logp_new − logp_old),  ℓ = max(−A·ρ, −A·clip(ρ, 1 − ε_low, 1 + ε_high)).
 * Source: Schulman et al. 2017 "Proximal Policy Optimization Algorithms" eq. 7 (as a loss, negated);
 * asymmetric bounds from Yu et al. 2025 "DAPO" (clip-higher); veRL `compute_policy_loss`
 * (SIMPLEVLA_RL.md §1, Policy loss). Where the clipped branch is the max, the token's gradient is zero.
 * @param logpNew [N, T] differentiable log-probs under the current weights
 * @param logpOld [N, T] log-probs recomputed right after the rollout (constants)
 * @param advantages [N] (one per row, broadcast over tokens) or [N, T]
 */
export function surrogateTerms(
  logpNew: tf.Tensor2D,
  logpOld: tf.Tensor2D,
  advantages: tf.Tensor1D | tf.Tensor2D,
  { clipLow, clipHigh }: ClipBounds,
): SurrogateTerms {
  checkShapes(logpNew, logpOld, advantages);
  if (!(clipLow > 0 && clipLow < 1) || !(clipHigh > 0)) {
    throw new Error(`clip bounds must satisfy 0 < clipLow < 1 and clipHigh > 0, got ${clipLow} / ${clipHigh}.`);
  }
  return tf.tidy(() => {
    const adv = advantages.rank === 1 ? tf.expandDims(advantages, 1) : advantages; // [N, 1] or [N, T]
    const ratio = tf.exp(tf.sub(logpNew, logpOld)) as tf.Tensor2D; // [N, T]
    const clippedRatio = tf.clipByValue(ratio, 1 - clipLow, 1 + clipHigh); // [N, T]
    const pgLoss1 = tf.mul(tf.neg(adv), ratio) as tf.Tensor2D; // [N, T]
    const pgLoss2 = tf.mul(tf.neg(adv), clippedRatio) as tf.Tensor2D; // [N, T]
    const perTokenLoss = tf.maximum(pgLoss1, pgLoss2) as tf.Tensor2D; // [N, T]
    return { ratio, pgLoss1, pgLoss2, perTokenLoss };
  });
}

/**
 * Token weights [N, T] that turn Σ w·ℓ into "token mean within each trajectory, then mean over the N
 * trajectories":  w_{n,t} = m_{n,t} / (Σ_t' m_{n,t'} · N).
 * This is the original's normalization (one trajectory per micro-batch, token mean over its valid tokens,
 * divided by the gradient-accumulation count; SIMPLEVLA_RL.md §1, Normalisation). It is NOT DAPO's global
 * token mean Σ m·ℓ / Σ m, which would weight long (failed) trajectories more. A row with no valid token
 * gets weight 0.
 * @param tokenMask [N, T] 1 valid / 0 masked
 */
export function trajectoryTokenMeanWeights(tokenMask: tf.Tensor2D): tf.Tensor2D {
  return tf.tidy(() => {
    const rows = tokenMask.shape[0];
    const validPerRow = tf.maximum(tf.sum(tokenMask, 1, true), 1); // [N, 1]
    return tf.div(tokenMask, tf.mul(validPerRow, rows)) as tf.Tensor2D; // [N, T]
  });
}

/** Sums over valid tokens from which the diagnostics are formed; sums add up across slices of a batch. */
export interface ClipStatistics {
  /** Number of valid tokens. */
  validTokens: tf.Scalar;
  /** Valid tokens whose clipped branch is strictly the larger (their gradient is zero): veRL's pg_clipfrac. */
  clippedTokens: tf.Scalar;
  /** Σ ((ρ − 1) − log ρ) over valid tokens: the k3 estimator of KL(old ‖ new) (Schulman, "Approximating KL
   *  Divergence", 2020; CleanRL's `approx_kl`), non-negative for every token. */
  klSum: tf.Scalar;
  /** Σ ρ over valid tokens. */
  ratioSum: tf.Scalar;
  /** max ρ over valid tokens (0 when none is valid). */
  ratioMax: tf.Scalar;
}

/** Diagnostic sums over the valid tokens of `terms` ([N, T] mask). */
export function clipStatistics(terms: SurrogateTerms, tokenMask: tf.Tensor2D): ClipStatistics {
  return tf.tidy(() => {
    const { ratio, pgLoss1, pgLoss2 } = terms;
    const logRatio = tf.log(ratio); // [N, T]
    const k3 = tf.sub(tf.sub(ratio, 1), logRatio); // [N, T]
    const clipped = tf.cast(tf.greater(pgLoss2, pgLoss1), "float32"); // [N, T]
    return {
      validTokens: tf.sum(tokenMask) as tf.Scalar,
      clippedTokens: tf.sum(tf.mul(clipped, tokenMask)) as tf.Scalar,
      klSum: tf.sum(tf.mul(k3, tokenMask)) as tf.Scalar,
      ratioSum: tf.sum(tf.mul(ratio, tokenMask)) as tf.Scalar,
      ratioMax: tf.max(tf.mul(ratio, tokenMask)) as tf.Scalar,
    };
  });
}

/** The loss and its diagnostics for one batch. All scalars; the caller disposes them. */
export interface PolicyLossResult {
  /** Σ w·max(pgLoss1, pgLoss2) with trajectory-token-mean weights (or the given weights). */
  loss: tf.Scalar;
  pgLoss1: tf.Tensor2D;
  pgLoss2: tf.Tensor2D;
  /** Fraction of valid tokens where clipping binds. */
  clipFrac: tf.Scalar;
  /** Mean over valid tokens of (ρ − 1) − log ρ (k3 estimator of KL(old ‖ new)). */
  approxKl: tf.Scalar;
  ratioMean: tf.Scalar;
  ratioMax: tf.Scalar;
}

/**
 * Clipped surrogate loss, reduced as "token mean within each trajectory, then mean over trajectories":
 *   L = (1/N) Σ_n [ Σ_t m_{n,t} ℓ_{n,t} / Σ_t m_{n,t} ],  ℓ = max(−A·ρ, −A·clip(ρ, 1 − ε_low, 1 + ε_high)).
 * Source: veRL `compute_policy_loss` and `dp_rob.py` as run by SimpleVLA-RL (SIMPLEVLA_RL.md §1).
 * Diagnostics (clipFrac, approxKl, ratioMean, ratioMax) are means/max over all valid tokens of the batch.
 * @param logpNew [N, T], logpOld [N, T], advantages [N] or [N, T], tokenMask [N, T]
 * @param tokenWeights optional [N, T] replacing the trajectory-token-mean weights (the update passes
 *   weights computed per whole trajectory when it feeds a trajectory's chunk steps in slices)
 */
export function clippedPolicyLoss(
  logpNew: tf.Tensor2D,
  logpOld: tf.Tensor2D,
  advantages: tf.Tensor1D | tf.Tensor2D,
  tokenMask: tf.Tensor2D,
  bounds: ClipBounds,
  tokenWeights?: tf.Tensor2D,
): PolicyLossResult {
  if (!sameShape(tokenMask.shape, logpNew.shape)) {
    throw new Error(`tokenMask must have logpNew's shape [${logpNew.shape}], got [${tokenMask.shape}].`);
  }
  if (tokenWeights && !sameShape(tokenWeights.shape, logpNew.shape)) {
    throw new Error(`tokenWeights must have logpNew's shape [${logpNew.shape}], got [${tokenWeights.shape}].`);
  }
  return tf.tidy(() => {
    const terms = surrogateTerms(logpNew, logpOld, advantages, bounds);
    const weights = tokenWeights ?? trajectoryTokenMeanWeights(tokenMask); // [N, T]
    const loss = tf.sum(tf.mul(weights, terms.perTokenLoss)) as tf.Scalar;
    const stats = clipStatistics(terms, tokenMask);
    const denominator = tf.maximum(stats.validTokens, 1);
    return {
      loss,
      pgLoss1: terms.pgLoss1,
      pgLoss2: terms.pgLoss2,
      clipFrac: tf.div(stats.clippedTokens, denominator) as tf.Scalar,
      approxKl: tf.div(stats.klSum, denominator) as tf.Scalar,
      ratioMean: tf.div(stats.ratioSum, denominator) as tf.Scalar,
      ratioMax: stats.ratioMax,
    };
  });
}

/** Disposes every tensor of a loss result. */
export function disposePolicyLoss(result: PolicyLossResult): void {
  tf.dispose([result.loss, result.pgLoss1, result.pgLoss2, result.clipFrac, result.approxKl, result.ratioMean, result.ratioMax]);
}

function sameShape(a: readonly number[], b: readonly number[]): boolean {
  return a.length === b.length && a.every((x, i) => x === b[i]);
}

function checkShapes(logpNew: tf.Tensor, logpOld: tf.Tensor, advantages: tf.Tensor): void {
  if (logpNew.rank !== 2) throw new Error(`logpNew must be [N, T], got shape [${logpNew.shape}].`);
  if (!sameShape(logpOld.shape, logpNew.shape)) {
    throw new Error(`logpOld must have logpNew's shape [${logpNew.shape}], got [${logpOld.shape}].`);
  }
  const okRows = advantages.rank === 1 && advantages.shape[0] === logpNew.shape[0];
  if (!okRows && !sameShape(advantages.shape, logpNew.shape)) {
    throw new Error(`advantages must be [N] = [${logpNew.shape[0]}] or [N, T] = [${logpNew.shape}], got [${advantages.shape}].`);
  }
}
