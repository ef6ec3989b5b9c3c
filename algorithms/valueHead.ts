/**
 * The PPO critic: a small MLP over the features the VLA exposes (DESIGN.md: "The PPO value head is added
 * by the algorithms over features the model exposes"). The original SimpleVLA-RL has no critic; this exists
 * for the "ppo" advantage estimator.
 *
 *   V(s) = w2 · tanh(W1 · f(s) + b1) + b2,   f(s) = model.features(batch)  [B, D]
 *
 * Shape letters (STYLE.md): B batch, D feature width, Dv hidden width.
 */
import * as tf from "@tensorflow/tfjs-core";
import type { Rng } from "../models/types.ts";

let headCount = 0;

export class ValueHead {
  private readonly w1: tf.Variable; // [D, Dv]
  private readonly b1: tf.Variable; // [Dv]
  private readonly w2: tf.Variable; // [Dv, 1]
  private readonly b2: tf.Variable; // [1]

  /**
   * @param featureDim D, the width of `model.features`
   * @param hidden Dv
   * @param rng seeded stream for the initial weights (uniform Glorot: ±sqrt(6/(fan_in + fan_out)));
   *   the output layer starts at zero so the first value estimates are 0 and the first GAE advantages are
   *   the plain returns.
   */
  constructor(featureDim: number, hidden: number, rng: Rng) {
    for (const [name, v] of [["featureDim", featureDim], ["hidden", hidden]] as const) {
      if (!Number.isInteger(v) || v < 1) throw new Error(`ValueHead ${name} must be a positive integer, got ${v}.`);
    }
    const id = headCount++;
    const limit = Math.sqrt(6 / (featureDim + hidden));
    const w1 = Float32Array.from({ length: featureDim * hidden }, () => limit * (2 * rng() - 1));
    this.w1 = tf.variable(tf.tensor2d(w1, [featureDim, hidden]), true, `valueHead${id}/w1`);
    this.b1 = tf.variable(tf.zeros([hidden]), true, `valueHead${id}/b1`);
    this.w2 = tf.variable(tf.zeros([hidden, 1]), true, `valueHead${id}/w2`);
    this.b2 = tf.variable(tf.zeros([1]), true, `valueHead${id}/b2`);
  }

  /**
   * @param features [B, D]
   * @returns [B] value estimates
   */
  predict(features: tf.Tensor2D): tf.Tensor1D {
    if (features.rank !== 2 || features.shape[1] !== this.w1.shape[0]) {
      throw new Error(`features must be [B, ${this.w1.shape[0]}], got [${features.shape}].`);
    }
    return tf.tidy(() => {
      const hidden = tf.tanh(tf.add(tf.matMul(features, this.w1), this.b1)); // [B, Dv]
      return tf.reshape(tf.add(tf.matMul(hidden, this.w2), this.b2), [-1]) as tf.Tensor1D; // [B]
    });
  }

  trainableVariables(): tf.Variable[] {
    return [this.w1, this.b1, this.w2, this.b2];
  }

  dispose(): void {
    tf.dispose(this.trainableVariables());
  }
}
