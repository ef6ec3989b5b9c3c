/**
 * Bidirectional multi-head self-attention (Vaswani et al. 2017), softmax(q·kᵀ/√Dh + mask)·v per head, in
 * three interchangeable implementations of the same arithmetic, because the fastest one depends on the
 * backend (benchmarks/model.ts measures all three):
 *
 * - `batched`: one batched 3-D matMul over all B·H heads. Best on GPUs; on wasm the batched matMul misses
 *   XNNPACK and runs ~10× slower than a 2-D one (PEERS.md §B.3). On webgpu, with the fused kernels on
 *   (models/webgpuKernels.ts' setFusedKernels), the same arithmetic runs as single kernels instead
 *   (models/webgpuAttention.ts).
 * - `unstack`: tf.unstack → one 2-D matMul per head → tf.stack, differentiated by tfjs. On wasm each
 *   slice copies the whole source tensor out of the heap, so this is quadratic in B·H and loses.
 * - `split2d`: the same per-head 2-D matMuls, but the heads are cut out of the downloaded q/k/v in plain
 *   JavaScript (one linear pass) and the gradient is written by hand (below), so that every matMul is an
 *   untransposed 2-D product that XNNPACK takes. CPU backends only: it reads tensors synchronously.
 *
 * Shape letters: B batch, T tokens, D width, H heads, Dh = D / H.
 */
import * as tf from "@tensorflow/tfjs-core";
import { constant, gelu, layerNorm, linear, withGradient } from "./layers.ts";
import { fusedAttention, fusedAttentionFits, fusedAttentionGrad } from "./webgpuAttention.ts";
import { fusedKernelsActive } from "./webgpuKernels.ts";

export const ATTENTION_VARIANTS = ["batched", "unstack", "split2d"] as const;
export type AttentionVariant = (typeof ATTENTION_VARIANTS)[number];

/**
 * The variant we use by default on a backend, chosen by benchmarks/model.ts: on wasm (2-core dev machine,
 * small preset shapes) split2d ran forward 3.7× (B=1) to 8.6× (B=32) faster than batched, and forward +
 * backward 2.7–5.7× faster; unstack lost to both from B=8. On an H100 via webgpu batched is the only
 * sensible one (split2d reads back to the CPU; unstack was 10–25× slower).
 */
export function defaultAttentionVariant(backend: string): AttentionVariant {
  return backend === "wasm" || backend === "cpu" ? "split2d" : "batched";
}

/** Sizes of one attention call. */
interface Dims {
  B: number;
  T: number;
  H: number;
}

/**
 * Attention core for the fused projection qkv [B·T, 3·D] (columns: q heads, then k heads, then v heads,
 * Dh each) and an additive key bias keyBias [B, T] (0 for a real token, −1e9 for a pad token): returns the
 * heads' outputs side by side, [B·T, D].
 */
export function attentionCore(qkv: tf.Tensor2D, keyBias: tf.Tensor2D, dims: Dims, variant: AttentionVariant): tf.Tensor2D {
  if (variant === "split2d") return split2dAttention(qkv, keyBias.dataSync() as Float32Array, dims);
  if (variant === "batched" && fusedKernelsActive() && fusedAttentionFits(dims.B, dims.H, qkv.shape[1] / 3 / dims.H)) {
    return fusedAttentionOp(qkv, keyBias, dims.H);
  }
  return tf.tidy(() => {
    const { B, T, H } = dims;
    const D = qkv.shape[1] / 3;
    const Dh = D / H;
    const heads = tf.transpose(tf.reshape(qkv, [B, T, 3, H, Dh]), [2, 0, 3, 1, 4]); // [3, B, H, T, Dh]
    const bias = tf.reshape(keyBias, [B, 1, T]); // [B, 1, T], broadcast over queries
    let out: tf.Tensor; // [B·H, T, Dh]
    if (variant === "batched") {
      const [q, k, v] = tf.split(tf.reshape(heads, [3, B * H, T, Dh]), 3, 0).map((t) => tf.reshape(t, [B * H, T, Dh]));
      const scores = tf.reshape(tf.matMul(tf.mul(q, constant(1 / Math.sqrt(Dh))), k, false, true), [B, H * T, T]); // [B, H·T, T]
      const probs = tf.reshape(tf.softmax(tf.add(scores, bias)), [B * H, T, T]); // [B·H, T, T]
      out = tf.matMul(probs, v); // [B·H, T, Dh]
    } else {
      const slices = tf.unstack(tf.reshape(heads, [3 * B * H, T, Dh])) as tf.Tensor2D[]; // 3·B·H × [T, Dh]
      const biasRows = tf.unstack(tf.reshape(bias, [B, 1, T])) as tf.Tensor2D[]; // B × [1, T]
      const outs: tf.Tensor2D[] = [];
      for (let i = 0; i < B * H; i++) {
        const q = tf.mul(slices[i], constant(1 / Math.sqrt(Dh)));
        const kT = tf.transpose(slices[B * H + i]); // [Dh, T]
        const probs = tf.softmax(tf.add(tf.matMul(q, kT), biasRows[Math.floor(i / H)])); // [T, T]
        outs.push(tf.matMul(probs, slices[2 * B * H + i])); // [T, Dh]
      }
      out = tf.stack(outs); // [B·H, T, Dh]
    }
    const merged = tf.transpose(tf.reshape(out, [B, H, T, Dh]), [0, 2, 1, 3]); // [B, T, H, Dh]
    return tf.reshape(merged, [B * T, D]);
  });
}

/**
 * The batched variant as one WebGPU kernel forward and three backward (models/webgpuAttention.ts); keyBias is
 * a constant of the op (no gradient flows to the mask).
 */
function fusedAttentionOp(qkv: tf.Tensor2D, keyBias: tf.Tensor2D, H: number): tf.Tensor2D {
  const op = withGradient((qkvIn: tf.Tensor2D, save: tf.GradSaveFunc) => {
    const [out, lse] = fusedAttention(qkvIn, keyBias, H);
    // keyBias is saved too: the caller's tidy may dispose it before the backward pass runs.
    save([qkvIn, out, lse, keyBias]);
    const gradFunc = (dy: tf.Tensor, saved: tf.Tensor[]) => [fusedAttentionGrad(dy, saved[0], saved[1], saved[2], saved[3], H)];
    return { value: out, gradFunc };
  });
  return op(qkv);
}

/** Copies head h of part `part` (0 q, 1 k, 2 v) of example b out of qkv rows into [T, Dh] (or [Dh, T]). */
function cutHead(qkv: Float32Array, b: number, h: number, part: number, T: number, D: number, Dh: number, transposed: boolean, scale = 1): Float32Array {
  const out = new Float32Array(T * Dh);
  const col0 = part * D + h * Dh;
  for (let t = 0; t < T; t++) {
    const row = (b * T + t) * 3 * D + col0;
    for (let j = 0; j < Dh; j++) {
      out[transposed ? j * T + t : t * Dh + j] = qkv[row + j] * scale;
    }
  }
  return out;
}

/** Adds a [T, Dh] head block back into its columns of a [B·T, width] row-major array. */
function placeHead(dst: Float32Array, src: Float32Array, b: number, col0: number, T: number, width: number, Dh: number): void {
  for (let t = 0; t < T; t++) {
    const row = (b * T + t) * width + col0;
    for (let j = 0; j < Dh; j++) dst[row + j] = src[t * Dh + j];
  }
}

/**
 * Per-head 2-D attention with a hand-written gradient; keyBias [B·T] as a plain array. With s = q̂·kᵀ (q̂ = q/√Dh), p = softmax(s + mask),
 * o = p·v and the upstream gradient dO:
 *   dv = pᵀ·dO,  dp = dO·vᵀ,  ds = p ⊙ (dp − rowsum(dp ⊙ p)),  dq = ds·k/√Dh,  dk = dsᵀ·q̂.
 */
function split2dAttention(qkv: tf.Tensor2D, keyBias: Float32Array, { B, T, H }: Dims): tf.Tensor2D {
  const D = qkv.shape[1] / 3;
  const Dh = D / H;
  const scale = 1 / Math.sqrt(Dh);
  const op = withGradient((qkvIn: tf.Tensor2D, save: tf.GradSaveFunc) => {
    const data = qkvIn.dataSync() as Float32Array; // [B·T, 3D]
    const outData = new Float32Array(B * T * D); // [B·T, D]
    const probs: tf.Tensor2D[] = []; // B·H × [T, T], kept for the gradient
    for (let b = 0; b < B; b++) {
      const biasRow = tf.tensor2d(keyBias.subarray(b * T, (b + 1) * T), [1, T]); // [1, T]
      for (let h = 0; h < H; h++) {
        const p = tf.tidy(() => {
          const q = tf.tensor2d(cutHead(data, b, h, 0, T, D, Dh, false, scale), [T, Dh]);
          const kT = tf.tensor2d(cutHead(data, b, h, 1, T, D, Dh, true), [Dh, T]);
          return tf.softmax(tf.add(tf.matMul(q, kT), biasRow)) as tf.Tensor2D; // [T, T]
        });
        const o = tf.tidy(() => tf.matMul(p, tf.tensor2d(cutHead(data, b, h, 2, T, D, Dh, false), [T, Dh]))); // [T, Dh]
        placeHead(outData, o.dataSync() as Float32Array, b, h * Dh, T, D, Dh);
        o.dispose();
        probs.push(p);
      }
      biasRow.dispose();
    }
    save([qkvIn, ...probs]);
    const value = tf.tensor2d(outData, [B * T, D]);
    const gradFunc = (dy: tf.Tensor, saved: tf.Tensor[]) => {
      const qkvData = saved[0].dataSync() as Float32Array;
      const dyData = dy.dataSync() as Float32Array; // [B·T, D]
      const dqkv = new Float32Array(B * T * 3 * D); // [B·T, 3D]
      for (let b = 0; b < B; b++) {
        for (let h = 0; h < H; h++) {
          const p = saved[1 + b * H + h] as tf.Tensor2D; // [T, T]
          tf.tidy(() => {
            const qHat = tf.tensor2d(cutHead(qkvData, b, h, 0, T, D, Dh, false, scale), [T, Dh]);
            const k = tf.tensor2d(cutHead(qkvData, b, h, 1, T, D, Dh, false), [T, Dh]);
            const vT = tf.tensor2d(cutHead(qkvData, b, h, 2, T, D, Dh, true), [Dh, T]);
            const dO = tf.tensor2d(cutHeadOf(dyData, b, h, T, D, Dh), [T, Dh]);
            const dv = tf.matMul(tf.transpose(p), dO); // [T, Dh]
            const dp = tf.matMul(dO, vT); // [T, T]
            const ds = tf.mul(p, tf.sub(dp, tf.sum(tf.mul(dp, p), -1, true))); // [T, T]
            const dq = tf.mul(tf.matMul(ds, k), scale); // [T, Dh]
            const dk = tf.matMul(tf.transpose(ds), qHat); // [T, Dh]
            placeHead(dqkv, dq.dataSync() as Float32Array, b, 0 * D + h * Dh, T, 3 * D, Dh);
            placeHead(dqkv, dk.dataSync() as Float32Array, b, 1 * D + h * Dh, T, 3 * D, Dh);
            placeHead(dqkv, dv.dataSync() as Float32Array, b, 2 * D + h * Dh, T, 3 * D, Dh);
          });
        }
      }
      return [tf.tensor2d(dqkv, [B * T, 3 * D])];
    };
    return { value, gradFunc };
  });
  return op(qkv);
}

/** Head h of example b of a [B·T, D] array (one block of heads, not the fused qkv), as [T, Dh]. */
function cutHeadOf(data: Float32Array, b: number, h: number, T: number, D: number, Dh: number): Float32Array {
  const out = new Float32Array(T * Dh);
  for (let t = 0; t < T; t++) out.set(data.subarray((b * T + t) * D + h * Dh, (b * T + t) * D + h * Dh + Dh), t * Dh);
  return out;
}

/** The weights of one pre-LN transformer block. */
export interface BlockParams {
  ln1Gamma: tf.Tensor1D;
  ln1Beta: tf.Tensor1D;
  qkvW: tf.Tensor2D; // [D, 3D]
  qkvB: tf.Tensor1D; // [3D]
  projW: tf.Tensor2D; // [D, D]
  projB: tf.Tensor1D; // [D]
  ln2Gamma: tf.Tensor1D;
  ln2Beta: tf.Tensor1D;
  fc1W: tf.Tensor2D; // [D, F]
  fc1B: tf.Tensor1D; // [F]
  fc2W: tf.Tensor2D; // [F, D]
  fc2B: tf.Tensor1D; // [D]
}

/**
 * One pre-LN block (GPT-2 / ViT): x ← x + Wo·attn(LN₁(x)); x ← x + W₂·gelu(W₁·LN₂(x)).
 * x [B·T, D] → [B·T, D]; every projection is a 2-D matMul over all B·T rows at once.
 */
export function transformerBlock(x: tf.Tensor2D, p: BlockParams, keyBias: tf.Tensor2D, dims: Dims, variant: AttentionVariant): tf.Tensor2D {
  const qkv = linear(layerNorm(x, p.ln1Gamma, p.ln1Beta), p.qkvW, p.qkvB); // [B·T, 3D]
  const attended = attentionCore(qkv, keyBias, dims, variant); // [B·T, D]
  const x1 = tf.add<tf.Tensor2D>(x, linear(attended, p.projW, p.projB)); // [B·T, D]
  const hidden = gelu(linear(layerNorm(x1, p.ln2Gamma, p.ln2Beta), p.fc1W, p.fc1B)); // [B·T, F]
  return tf.add<tf.Tensor2D>(x1, linear(hidden, p.fc2W, p.fc2B));
}
