/**
 * Test fixtures: a tiny PolicyModel (a one-hidden-layer map from a small image and a bag of text ids to
 * 56×256 logits) and a GradientApplier over tf.train.adam with global-norm clipping, so the algorithm tests
 * do not wait for the real VLA or optimizer.
 */
import * as tf from "@tensorflow/tfjs-core";
import "@tensorflow/tfjs-backend-cpu";
import "../../models/gradients.ts";
import seedrandom from "seedrandom";
import { ACTION_SLOTS, NUM_BINS, type PolicyModel, type VlaBatch } from "../../models/types.ts";
import type { GradientApplier } from "../../algorithms/gradientApplier.ts";

export async function useCpu(): Promise<void> {
  await tf.setBackend("cpu");
}

let instance = 0;

export class TinyPolicy implements PolicyModel {
  readonly imageSize: number;
  private readonly vars: tf.Variable[];
  private readonly wImage: tf.Variable; // [S·S·3, D]
  private readonly embedding: tf.Variable; // [V, D]
  private readonly bHidden: tf.Variable; // [D]
  private readonly wOut: tf.Variable; // [D, 56·256]
  private readonly bOut: tf.Variable; // [56·256]

  constructor(seed: string, imageSize = 4, vocab = 16, width = 8) {
    const rng = seedrandom(seed);
    const init = (shape: number[], scale: number) => {
      const size = shape.reduce((a, b) => a * b, 1);
      const values = Float32Array.from({ length: size }, () => scale * (2 * rng() - 1));
      return tf.variable(tf.tensor(values, shape), true, `tiny${instance}_${shape.join("x")}_${size}_${rng()}`);
    };
    instance++;
    this.imageSize = imageSize;
    this.wImage = init([imageSize * imageSize * 3, width], 0.5);
    this.embedding = init([vocab, width], 0.5);
    this.bHidden = init([width], 0.1);
    this.wOut = init([width, ACTION_SLOTS * NUM_BINS], 0.3);
    this.bOut = init([ACTION_SLOTS * NUM_BINS], 0.1);
    this.vars = [this.wImage, this.embedding, this.bHidden, this.wOut, this.bOut];
  }

  features(batch: VlaBatch): tf.Tensor2D {
    return tf.tidy(() => {
      const [B] = batch.images.shape;
      const flat = tf.reshape(batch.images, [B, -1]); // [B, S·S·3]
      const vocab = this.embedding.shape[0];
      const bag = tf.mean(tf.oneHot(tf.cast(batch.text, "int32"), vocab), 1); // [B, V]
      const text = tf.matMul(bag, this.embedding); // [B, D]
      return tf.tanh(tf.add(tf.add(tf.matMul(flat, this.wImage), text), this.bHidden)) as tf.Tensor2D; // [B, D]
    });
  }

  logits(batch: VlaBatch): tf.Tensor3D {
    return tf.tidy(() => {
      const h = this.features(batch); // [B, D]
      const out = tf.add(tf.matMul(h, this.wOut), this.bOut); // [B, 56·256]
      return tf.reshape(out, [h.shape[0], ACTION_SLOTS, NUM_BINS]) as tf.Tensor3D;
    });
  }

  logProbs(batch: VlaBatch, tokens: tf.Tensor2D, temperature: number): tf.Tensor2D {
    return tf.tidy(() => {
      const logp = tf.logSoftmax(tf.div(this.logits(batch), temperature)); // [B, 56, 256]
      return tf.sum(tf.mul(logp, tf.oneHot(tf.cast(tokens, "int32"), NUM_BINS)), 2) as tf.Tensor2D;
    });
  }

  trainableVariables(): tf.Variable[] {
    return this.vars;
  }

  dispose(): void {
    tf.dispose(this.vars);
  }
}

/** Adam (test stand-in for models/optim.ts' AdamW) over a fixed variable list, clipping the global norm. */
export class AdamApplier implements GradientApplier {
  private readonly optimizer: tf.Optimizer;
  constructor(private readonly variables: tf.Variable[], lr: number, private readonly maxNorm = 1) {
    this.optimizer = tf.train.adam(lr);
  }
  applyGradients(grads: (tf.Tensor | null)[]): { gradNorm: number } {
    const present = grads.filter((g): g is tf.Tensor => g !== null);
    const gradNorm = present.length === 0 ? 0 : tf.tidy(() => tf.sqrt(tf.addN(present.map((g) => tf.sum(tf.square(g))))).dataSync()[0]);
    const scale = gradNorm > this.maxNorm ? this.maxNorm / (gradNorm + 1e-6) : 1;
    tf.tidy(() => {
      const named = grads.flatMap((g, i) => (g === null ? [] : [{ name: this.variables[i].name, tensor: tf.mul(g, scale) }]));
      this.optimizer.applyGradients(named);
    });
    return { gradNorm };
  }
  dispose(): void {
    this.optimizer.dispose();
  }
}

/** A VlaBatch of B random images of the tiny size and random text ids (caller disposes). */
export function randomBatch(seed: string, batch: number, imageSize = 4, textLen = 3, vocab = 16): VlaBatch {
  const rng = seedrandom(seed);
  const images = tf.tensor4d(
    Float32Array.from({ length: batch * imageSize * imageSize * 3 }, () => rng()),
    [batch, imageSize, imageSize, 3],
  );
  const text = tf.tensor2d(
    Int32Array.from({ length: batch * textLen }, () => Math.floor(rng() * vocab)),
    [batch, textLen],
    "int32",
  );
  return { images, text };
}
