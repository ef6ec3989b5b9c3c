/**
 * The seam between the algorithms and the optimizer: the algorithms compute gradients, an applier owns the
 * optimizer state (AdamW moments, step count) and the gradient clipping.
 *
 * The original: AdamW, betas (0.9, 0.999), weight decay 0.01, constant lr 5e-6, gradient clipping to global
 * norm 1 (SIMPLEVLA_RL.md §1). `models/optim.ts` provides that optimizer; any object with this method fits.
 */
import * as tf from "@tensorflow/tfjs-core";

export interface GradientApplier {
  /**
   * Applies one optimizer step with `grads[i]` the gradient of `variables[i]`, clipping by global norm
   * first, and returns the global L2 norm of the gradients before clipping. Does not dispose `grads`.
   */
  applyGradients(variables: readonly tf.Variable[], grads: readonly tf.Tensor[]): number;
}

/**
 * The gradients of `variables` from `tf.variableGrads`' name-keyed map, in the variables' order; a
 * variable the loss does not reach gets zeros (so the applier always sees one gradient per variable).
 * The caller disposes the returned tensors (they include the map's).
 */
export function gradientsInOrder(variables: readonly tf.Variable[], named: tf.NamedTensorMap): tf.Tensor[] {
  return variables.map((v) => named[v.name] ?? tf.zerosLike(v));
}

