/** Shared fixtures for the model tests: small batches on the wasm backend. */
import * as tf from "@tensorflow/tfjs-core";
import seedrandom from "seedrandom";
import type { VlaConfig } from "../../models/config.ts";
import type { VlaBatch } from "../../models/types.ts";

/** A deterministic batch of B images and B instructions of L tokens (row b has b % L pad tokens at its end). */
export function makeBatch(config: VlaConfig, B: number, L: number, seed = 0): VlaBatch {
  const rng = seedrandom(`batch-${seed}`);
  const S = config.imageSize;
  const pixels = Float32Array.from({ length: B * S * S * 3 }, () => rng());
  const ids = new Int32Array(B * L);
  for (let b = 0; b < B; b++) {
    const real = L - (b % L);
    for (let l = 0; l < real; l++) ids[b * L + l] = 1 + Math.floor(rng() * (config.vocabSize - 1));
  }
  return { images: tf.tensor4d(pixels, [B, S, S, 3]), text: tf.tensor2d(ids, [B, L], "int32") };
}

export function disposeBatch(batch: VlaBatch): void {
  batch.images.dispose();
  batch.text.dispose();
}
