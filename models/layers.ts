/**
 * The small building blocks of the transformer: a linear map, layer norm and GELU.
 *
 * Shape letters (STYLE.md): N rows (B·T flattened), D width, F output width.
 */
import * as tf from "@tensorflow/tfjs-core";
import { fusedGelu, fusedGeluGrad, fusedKernelsActive, fusedLayerNorm, fusedLayerNormGrad } from "./webgpuKernels.ts";

const constants = new Map<number, tf.Scalar>();

/**
 * A cached scalar constant. `tf.mul(x, 0.5)` uploads a fresh scalar on every call, which costs ~2.5 ms on
 * webgpu in Node (measured on an H100: it made a 300-kernel forward pass take 100 ms whatever the batch);
 * a kept scalar is uploaded once per value.
 */
export function constant(value: number): tf.Scalar {
  let c = constants.get(value);
  if (!c || c.isDisposed) {
    c = tf.keep(tf.scalar(value, "float32"));
    constants.set(value, c);
  }
  return c;
}

/** The gradient of a custom op: upstream gradient and saved tensors → one gradient per input. */
export type GradFunc = (dy: tf.Tensor, saved: tf.Tensor[]) => tf.Tensor[];

/**
 * tf.customGrad with plain types: `forward` receives the input tensors then tfjs's save function, and
 * returns the value and its gradient function.
 */
export function withGradient<T extends tf.Tensor>(
  forward: (...args: never[]) => { value: T; gradFunc: GradFunc },
): (...inputs: tf.Tensor[]) => T {
  return tf.customGrad(forward as never) as unknown as (...inputs: tf.Tensor[]) => T;
}

/**
 * x [1, …] repeated B times along axis 0 → [B, …]. tfjs's broadcastTo (a Tile) takes its gradient as B slices
 * and B adds, one per row (2·B kernels, 64 per training step at B = 32); written out, it is one sum.
 */
export function repeatRows<T extends tf.Tensor>(x: T, B: number): T {
  if (x.shape[0] !== 1) throw new Error(`repeatRows expects a leading axis of 1, got [${x.shape}].`);
  const op = withGradient((xIn: tf.Tensor) => {
    const value = tf.tile(xIn, [B, ...xIn.shape.slice(1).map(() => 1)]);
    return { value, gradFunc: (dy: tf.Tensor) => [tf.sum(dy, 0, true)] };
  });
  return op(x) as T;
}

/**
 * Whether a transposed operand of matMul is fast on the active backend. The wasm backend hands only
 * untransposed 2-D products to XNNPACK: measured on the 2-core dev machine, [N,256]·[768,256]ᵀ ran at
 * 2.5 GFLOP/s against 18 GFLOP/s untransposed (benchmarks/model.ts), so there we transpose explicitly.
 */
export function transposedMatMulIsFast(): boolean {
  const b = tf.getBackend();
  return b === "webgpu" || b === "tensorflow";
}

/** a · bᵀ, with the transpose done as its own kernel where the backend's transposed matMul is slow. */
export function matMulABt(a: tf.Tensor2D, b: tf.Tensor2D): tf.Tensor2D {
  return transposedMatMulIsFast() ? tf.matMul(a, b, false, true) : tf.matMul(a, tf.transpose(b));
}

/** aᵀ · b, likewise. */
export function matMulAtB(a: tf.Tensor2D, b: tf.Tensor2D): tf.Tensor2D {
  return transposedMatMulIsFast() ? tf.matMul(a, b, true, false) : tf.matMul(tf.transpose(a), b);
}

/**
 * y = x·W + b for x [N, D], W [D, F], b [F] → y [N, F], as one 2-D product. Its gradient is written out
 * (dx = dy·Wᵀ, dW = xᵀ·dy, db = Σ_N dy) so that no transposed matMul reaches the wasm backend.
 */
export function linear(x: tf.Tensor2D, w: tf.Tensor2D, b: tf.Tensor1D): tf.Tensor2D {
  const op = withGradient((xIn: tf.Tensor2D, wIn: tf.Tensor2D, bIn: tf.Tensor1D, save: tf.GradSaveFunc) => {
    save([xIn, wIn]);
    const value = tf.fused.matMul({ a: xIn, b: wIn, bias: bIn }) as tf.Tensor2D;
    const gradFunc = (dy: tf.Tensor, saved: tf.Tensor[]) => {
      const [xs, ws] = saved as [tf.Tensor2D, tf.Tensor2D];
      return [matMulABt(dy as tf.Tensor2D, ws), matMulAtB(xs, dy as tf.Tensor2D), tf.sum(dy, 0)];
    };
    return { value, gradFunc };
  });
  return op(x, w, b);
}

/**
 * Layer norm over the last axis (Ba, Kiros & Hinton 2016): y = x̂·γ + β with x̂ = (x − μ)·r, r = 1/√(σ² + ε),
 * μ and σ² the mean and (biased) variance of each row; x [N, D], γ and β [D]. ε = 1e-5 as PyTorch's default.
 * Gradient written out (standard derivation), with g = dy·γ:
 *   dx = r·(g − mean(g) − x̂·mean(g·x̂)),  dγ = Σ_N dy·x̂,  dβ = Σ_N dy
 * so that no gradient of a mean or rsqrt uploads its scalar constants (slow on webgpu, see constant()).
 * On webgpu the same formulas run as one kernel forward and three backward (models/webgpuKernels.ts).
 */
export function layerNorm(x: tf.Tensor2D, gamma: tf.Tensor1D, beta: tf.Tensor1D, eps = 1e-5): tf.Tensor2D {
  if (fusedKernelsActive()) {
    const fused = withGradient((xIn: tf.Tensor2D, gIn: tf.Tensor1D, bIn: tf.Tensor1D, save: tf.GradSaveFunc) => {
      const [value, xHat, rstd] = fusedLayerNorm(xIn, gIn, bIn, eps);
      save([xHat, rstd, gIn]);
      const gradFunc = (dy: tf.Tensor, saved: tf.Tensor[]) => fusedLayerNormGrad(dy, saved[0], saved[1], saved[2]);
      return { value, gradFunc };
    });
    return fused(x, gamma, beta);
  }
  const op = withGradient((xIn: tf.Tensor2D, gIn: tf.Tensor1D, bIn: tf.Tensor1D, save: tf.GradSaveFunc) => {
    const centred = tf.sub(xIn, tf.mean(xIn, -1, true)); // [N, D]
    const rstd = tf.rsqrt(tf.add(tf.mean(tf.square(centred), -1, true), constant(eps))); // [N, 1]
    const xHat = tf.mul(centred, rstd); // [N, D]
    save([xHat, rstd, gIn]);
    const value = tf.add(tf.mul(xHat, gIn), bIn) as tf.Tensor2D;
    const gradFunc = (dy: tf.Tensor, saved: tf.Tensor[]) => {
      const [xh, r, g] = saved;
      const gy = tf.mul(dy, g); // [N, D]
      const dx = tf.mul(r, tf.sub(tf.sub(gy, tf.mean(gy, -1, true)), tf.mul(xh, tf.mean(tf.mul(gy, xh), -1, true))));
      return [dx, tf.sum(tf.mul(dy, xh), 0), tf.sum(dy, 0)];
    };
    return { value, gradFunc };
  });
  return op(x, gamma, beta);
}

/**
 * GELU, exact form (Hendrycks & Gimpel 2016): gelu(x) = ½·x·(1 + erf(x/√2)), as PyTorch's default;
 * gelu'(x) = ½·(1 + erf(x/√2)) + x·φ(x) with φ(x) = exp(−x²/2)/√(2π), written out as layerNorm's.
 * On webgpu each direction is one kernel (models/webgpuKernels.ts).
 */
export function gelu(x: tf.Tensor2D): tf.Tensor2D {
  if (fusedKernelsActive()) {
    const fused = withGradient((xIn: tf.Tensor2D, save: tf.GradSaveFunc) => {
      save([xIn]);
      return { value: fusedGelu(xIn), gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => [fusedGeluGrad(dy, saved[0])] };
    });
    return fused(x);
  }
  const op = withGradient((xIn: tf.Tensor2D, save: tf.GradSaveFunc) => {
    save([xIn]);
    const cdf = tf.mul(constant(0.5), tf.add(tf.erf(tf.mul(xIn, constant(Math.SQRT1_2))), constant(1))); // Φ(x)
    const value = tf.mul(xIn, cdf) as tf.Tensor2D;
    const gradFunc = (dy: tf.Tensor, saved: tf.Tensor[]) => {
      const [xs] = saved;
      const phi = tf.mul(tf.exp(tf.mul(tf.square(xs), constant(-0.5))), constant(1 / Math.sqrt(2 * Math.PI)));
      const cdfAgain = tf.mul(constant(0.5), tf.add(tf.erf(tf.mul(xs, constant(Math.SQRT1_2))), constant(1)));
      return [tf.mul(dy, tf.add(cdfAgain, tf.mul(xs, phi)))];
    };
    return { value, gradFunc };
  });
  return op(x);
}
