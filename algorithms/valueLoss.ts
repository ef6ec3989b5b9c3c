/**
 * PPO's clipped value loss, for the "ppo" estimator (the original SimpleVLA-RL recipe has no critic).
 *
 * Shape letters (STYLE.md): N rows (chunk steps: one value per observation).
 */
import * as tf from "@tensorflow/tfjs-core";

export interface ValueLossResult {
  /** Scalar 0.5 · Σ w · max((V − R)², (V_clipped − R)²). */
  loss: tf.Scalar;
  /** Fraction of rows where the clipped error is strictly the larger (their gradient is zero). */
  vfClipFrac: tf.Scalar;
}

/**
 * Clipped value loss:
 *   V_clipped = V_old + clip(V − V_old, −ε_v, ε_v),
 *   L_V = 0.5 · Σ_n w_n · max((V_n − R_n)², (V_clipped,n − R_n)²)
 * with weights w summing to 1 (default: plain mean over the rows).
 * Source: CleanRL `ppo_continuous_action.py` (`clip_vloss`), after the OpenAI baselines PPO2 value clipping.
 * @param values [N] V(s) under the current weights (differentiable)
 * @param oldValues [N] V(s) before the update (constants)
 * @param returns [N] value targets R (from GAE: A + V_old)
 * @param clip ε_v
 * @param rowWeights optional [N] weights summing to 1 (the update weights a trajectory's chunk steps so
 *   that its value loss is a mean per trajectory, then a mean over trajectories, as for the policy loss)
 */
export function clippedValueLoss(
  values: tf.Tensor1D,
  oldValues: tf.Tensor1D,
  returns: tf.Tensor1D,
  clip: number,
  rowWeights?: tf.Tensor1D,
): ValueLossResult {
  const n = values.shape[0];
  for (const [name, t] of [["oldValues", oldValues], ["returns", returns], ["rowWeights", rowWeights]] as const) {
    if (t && (t.rank !== 1 || t.shape[0] !== n)) {
      throw new Error(`${name} must be [N] = [${n}] like values, got [${t.shape}].`);
    }
  }
  if (!(clip > 0)) throw new Error(`value clip must be positive, got ${clip}.`);
  return tf.tidy(() => {
    const unclippedError = tf.square(tf.sub(values, returns)); // [N]
    const clippedValues = tf.add(oldValues, tf.clipByValue(tf.sub(values, oldValues), -clip, clip)); // [N]
    const clippedError = tf.square(tf.sub(clippedValues, returns)); // [N]
    const perRow = tf.maximum(unclippedError, clippedError); // [N]
    const weights = rowWeights ?? tf.fill([n], 1 / Math.max(n, 1)); // [N]
    const loss = tf.mul(0.5, tf.sum(tf.mul(weights, perRow))) as tf.Scalar;
    const vfClipFrac = tf.mean(tf.cast(tf.greater(clippedError, unclippedError), "float32")) as tf.Scalar;
    return { loss, vfClipFrac };
  });
}
