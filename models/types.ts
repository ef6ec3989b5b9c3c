/**
 * The contract between the VLA (`models/`) and the algorithms that train it (`algorithms/`).
 *
 * Shape letters (STYLE.md): B batch, T tokens, D width, A action dims (7), C chunk length (8), K bins (256).
 * An action chunk has C·A = 56 token slots in action-major order: slot s = 7·t + d (DESIGN.md contracts).
 */
import type * as tf from "@tensorflow/tfjs-core";

/** Actions per chunk (C). */
export const CHUNK_LEN = 8;
/** Dimensions per action (A): dx dy dz ax ay az gripper. */
export const ACTION_DIM = 7;
/** Token slots per chunk (C·A). */
export const ACTION_SLOTS = CHUNK_LEN * ACTION_DIM;
/** Bins per action dimension (K). */
export const NUM_BINS = 256;

/** A seeded stream of uniform numbers in [0, 1) (a `seedrandom` PRNG satisfies it). */
export type Rng = () => number;

/** What the VLA sees for a batch of B observations. */
export interface VlaBatch {
  /** [B, S, S, 3] float32 in [0, 1], already cropped and resized to the model's input size S. */
  images: tf.Tensor4D;
  /** [B, L] int32 instruction token ids, right-padded with the pad id 0. */
  text: tf.Tensor2D;
}

/** The policy interface the algorithms train; the VLA implements it. */
export interface PolicyModel {
  /** [B, 56, 256] raw action-token logits (before any temperature). */
  logits(batch: VlaBatch): tf.Tensor3D;
  /**
   * [B, 56] log-probabilities of `tokens` ([B, 56] int32 in 0..255) under softmax(logits / temperature):
   * the original divides by the rollout temperature in both rollout and update. Differentiable.
   */
  logProbs(batch: VlaBatch, tokens: tf.Tensor2D, temperature: number): tf.Tensor2D;
  /** [B, D] pooled features over which a value head can be built (PPO). Differentiable. */
  features(batch: VlaBatch): tf.Tensor2D;
  /** The trainable weights, in a fixed order. */
  trainableVariables(): tf.Variable[];
}
