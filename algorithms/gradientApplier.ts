/**
 * The seam between the algorithms and the optimizer: the algorithms compute gradients, an applier owns the
 * optimizer state (AdamW moments, step count) and the gradient clipping.
 *
 * The original: AdamW, betas (0.9, 0.999), weight decay 0.01, constant lr 5e-6, gradient clipping to global
 * norm 1 (SIMPLEVLA_RL.md §1). `models/optim.ts`' AdamW fits this interface as it is: build it over the
 * variable list the algorithm names (`model.trainableVariables()` for SFT, `updateVariables(...)` for the
 * RL update), in that order.
 */
import * as tf from "@tensorflow/tfjs-core";

export interface GradientApplier {
  /**
   * One optimizer step: `grads[i]` is the gradient of the i-th variable the optimizer was built over, or
   * null when the loss does not reach it (the variable is then left alone, as PyTorch skips parameters
   * whose .grad is None). Clips by global norm first. Does not dispose `grads`.
   * May be asynchronous (the project's AdamW is: it reads the norm back with `data()`, the only read webgpu
   * allows in Node); the algorithms await it before disposing `grads`.
   * @returns the global L2 norm of the gradients before clipping
   */
  applyGradients(grads: (tf.Tensor | null)[]): { gradNorm: number } | Promise<{ gradNorm: number }>;
  /**
   * Optional: the same step, resolved as soon as it is recorded (then `grads` may be disposed) with `info`
   * settling once it has run, so that the caller can prepare the next step meanwhile (AdamW's fused webgpu
   * layout; models/optim.ts). Steps still apply in the order submitted.
   */
  submitGradients?(grads: (tf.Tensor | null)[]): Promise<{ info: Promise<{ gradNorm: number }> }>;
}

/**
 * The gradients of `variables` from `tf.variableGrads`' name-keyed map, in the variables' order, null for a
 * variable the loss does not reach.
 */
export function gradientsInOrder(variables: readonly tf.Variable[], named: tf.NamedTensorMap): (tf.Tensor | null)[] {
  return variables.map((v) => named[v.name] ?? null);
}
