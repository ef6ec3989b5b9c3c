/**
 * Log-probs and entropy of the 56 independent categorical action tokens, at a temperature.
 *
 * The update derives both from one `model.logits` forward pass (instead of calling `model.logProbs` and
 * then the logits again for the entropy), and uses this same function for the old and the new log-probs so
 * that the ratio is exactly 1 before the first optimizer step.
 *
 * Shape letters (STYLE.md): B batch, T tokens (56), K bins (256).
 */
import * as tf from "@tensorflow/tfjs-core";

/**
 * log π(k | x) = log_softmax(logits / temperature)[k] (SIMPLEVLA_RL.md §1, Log-probs: the original divides
 * the 256 action logits by the rollout temperature 1.6 before log_softmax, in rollout and in update).
 * @param logits [B, T, K]
 * @param tokens [B, T] int32 in 0..K−1
 * @returns [B, T]
 */
export function tokenLogProbs(logits: tf.Tensor3D, tokens: tf.Tensor2D, temperature: number): tf.Tensor2D {
  checkTemperature(temperature);
  const [batch, slots, bins] = logits.shape;
  if (tokens.shape[0] !== batch || tokens.shape[1] !== slots) {
    throw new Error(`tokens must be [B, T] = [${batch}, ${slots}] to match the logits, got [${tokens.shape}].`);
  }
  return tf.tidy(() => {
    const logp = tf.logSoftmax(tf.div(logits, temperature)); // [B, T, K]
    const picked = tf.mul(logp, tf.oneHot(tf.cast(tokens, "int32"), bins)); // [B, T, K]
    return tf.sum(picked, 2) as tf.Tensor2D; // [B, T]
  });
}

/**
 * Entropy of each token's distribution at the temperature: H = −Σ_k p_k log p_k, p = softmax(logits / T).
 * @param logits [B, T, K]
 * @returns [B, T]
 */
export function tokenEntropy(logits: tf.Tensor3D, temperature: number): tf.Tensor2D {
  checkTemperature(temperature);
  return tf.tidy(() => {
    const logp = tf.logSoftmax(tf.div(logits, temperature)); // [B, T, K]
    return tf.neg(tf.sum(tf.mul(tf.exp(logp), logp), 2)) as tf.Tensor2D; // [B, T]
  });
}

function checkTemperature(temperature: number): void {
  if (!(temperature > 0) || !Number.isFinite(temperature)) {
    throw new Error(`temperature must be a positive number (the original uses 1.6), got ${temperature}.`);
  }
}
