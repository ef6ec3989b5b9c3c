/**
 * Cross-check of the fused webgpu kernels (models/webgpuKernels.ts) against the tfjs op chains they replace:
 * layer norm and GELU, forward and backward, on seeded random inputs of any shape. Used by the tests (on a
 * machine with a GPU) and by the model benchmark, which prints it before it times anything.
 */
import * as tf from "@tensorflow/tfjs-core";
import { attentionCore } from "./attention.ts";
import { gelu, layerNorm } from "./layers.ts";
import { fusedKernelsActive, setFusedKernels } from "./webgpuKernels.ts";

export const CHECKED_OUTPUTS = ["layerNorm y", "layerNorm dx", "layerNorm dγ", "layerNorm dβ", "gelu y", "gelu dx"] as const;

/**
 * For x [n, d]: max |fused − chain| / max(1, max |chain|) per output of CHECKED_OUTPUTS. Needs the fused
 * kernels to be available (webgpu); leaves them switched on.
 */
export async function fusedKernelErrors(n: number, d: number): Promise<number[]> {
  if (!fusedKernelsActive()) throw new Error("The fused kernels need the webgpu backend.");
  const x = tf.randomNormal([n, d], 0.3, 2, "float32", 1) as tf.Tensor2D;
  const g = tf.randomNormal([d], 1, 0.2, "float32", 2) as tf.Tensor1D;
  const b = tf.randomNormal([d], 0, 0.2, "float32", 3) as tf.Tensor1D;
  const up = tf.randomNormal([n, d], 0, 1, "float32", 4);
  try {
    return await fusedVsChain(() => {
      const ln = tf.grads((a: tf.Tensor, c: tf.Tensor, e: tf.Tensor) => tf.sum(tf.mul(layerNorm(a as tf.Tensor2D, c as tf.Tensor1D, e as tf.Tensor1D), up)));
      const ge = tf.grads((a: tf.Tensor) => tf.sum(tf.mul(gelu(a as tf.Tensor2D), up)));
      return [layerNorm(x, g, b), ...ln([x, g, b]), gelu(x), ...ge([x])];
    });
  } finally {
    tf.dispose([x, g, b, up]);
  }
}

/**
 * Computes `outputs` with the fused kernels on, then off (the op chains), and returns per output
 * max |fused − chain| / max(1, max |chain|); leaves the fused kernels switched on.
 */
async function fusedVsChain(outputs: () => tf.Tensor[]): Promise<number[]> {
  const run = async (fused: boolean) => {
    setFusedKernels(fused);
    const outs = outputs();
    const values = await Promise.all(outs.map((t) => t.data()));
    tf.dispose(outs);
    return values;
  };
  try {
    const [fused, chain] = [await run(true), await run(false)];
    return fused.map((v, k) => {
      let diff = 0;
      let scale = 1;
      v.forEach((a, i) => {
        diff = Math.max(diff, Math.abs(a - chain[k][i]));
        scale = Math.max(scale, Math.abs(chain[k][i]));
      });
      return diff / scale;
    });
  } finally {
    setFusedKernels(true);
  }
}

export const CHECKED_ATTENTION_OUTPUTS = ["attention out", "attention dqkv"] as const;

/**
 * The fused attention kernels against the batched op chain, for B examples of T tokens, H heads of width Dh,
 * the last `pads` keys of every odd example masked as padding: max |fused − chain| / max(1, max |chain|)
 * for the output and for dqkv.
 */
export async function fusedAttentionErrors(B: number, T: number, H: number, Dh: number, pads: number): Promise<number[]> {
  if (!fusedKernelsActive()) throw new Error("The fused kernels need the webgpu backend.");
  const D = H * Dh;
  const qkv = tf.randomNormal([B * T, 3 * D], 0, 1.5, "float32", 5) as tf.Tensor2D;
  const up = tf.randomNormal([B * T, D], 0, 1, "float32", 6);
  const bias = new Float32Array(B * T);
  for (let b = 1; b < B; b += 2) bias.fill(-1e9, b * T + T - pads, (b + 1) * T);
  const keyBias = tf.tensor2d(bias, [B, T]);
  try {
    return await fusedVsChain(() => {
      const f = (x: tf.Tensor) => attentionCore(x as tf.Tensor2D, keyBias, { B, T, H }, "batched");
      const g = tf.grad((x: tf.Tensor) => tf.sum(tf.mul(f(x), up)));
      return [f(qkv), g(qkv)];
    });
  } finally {
    tf.dispose([qkv, up, keyBias]);
  }
}
