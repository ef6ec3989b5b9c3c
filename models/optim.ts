/**
 * AdamW (Loshchilov & Hutter 2019, "Decoupled Weight Decay Regularization"; PyTorch's torch.optim.AdamW)
 * with global-norm gradient clipping (PyTorch's clip_grad_norm_), over tf.Variables.
 *
 * Per step t (from 1), for each parameter θ with clipped gradient g:
 *   θ ← θ·(1 − lr·λ)                                   decoupled weight decay
 *   m ← β₁·m + (1 − β₁)·g,   v ← β₂·v + (1 − β₂)·g²
 *   θ ← θ − lr · (m / (1 − β₁ᵗ)) / (√(v / (1 − β₂ᵗ)) + ε)
 * Defaults as the original's optimizer (SIMPLEVLA_RL.md §1: AdamW, betas 0.9/0.999, weight decay 0.01,
 * grad clip 1.0; eps 1e-8 is PyTorch's default). Weight decay applies to every parameter, as there.
 *
 * tfjs's own Adam is very slow on webgpu (device/README.md: 64 ms for 8 variables). Ours has three layouts:
 * `perVariable` (one short chain of element-wise kernels per variable; the CPU default, since slicing a big
 * tensor copies all of it on wasm), `flat` (all gradients concatenated and updated by one chain over a
 * single flat m and v, then split back: ~10× fewer kernels, for webgpu where each kernel launch costs ~0.1 ms
 * from Node) and `fused` (per-variable moments updated in place by two hand-written WebGPU passes,
 * models/webgpuAdamW.ts; the webgpu default).
 */
import * as tf from "@tensorflow/tfjs-core";
import { constant } from "./layers.ts";
import { WebgpuAdamWKernels } from "./webgpuAdamW.ts";
import { webgpuInternals } from "./webgpuBackend.ts";

export interface AdamWConfig {
  /** Learning rate. */
  lr: number;
  beta1: number;
  beta2: number;
  eps: number;
  /** λ, decoupled weight decay per unit of learning rate. */
  weightDecay: number;
  /** Maximum global L2 norm of the gradients; `null` turns clipping off. */
  clipNorm: number | null;
}

export function defaultAdamWConfig(): AdamWConfig {
  return { lr: 1e-4, beta1: 0.9, beta2: 0.999, eps: 1e-8, weightDecay: 0.01, clipNorm: 1.0 };
}

/** What one step did. */
export interface StepInfo {
  /** Global L2 norm of the gradients before clipping. */
  gradNorm: number;
  /** False when the norm was NaN or infinite: then nothing was changed, not even the step count. */
  applied: boolean;
}

/** Optimizer state as plain arrays, for checkpoints: moments in the order of the variables. */
export interface AdamWState {
  step: number;
  m: Float32Array[];
  v: Float32Array[];
}

export const ADAMW_LAYOUTS = ["perVariable", "flat", "fused"] as const;
export type AdamWLayout = (typeof ADAMW_LAYOUTS)[number];

/** The layout used when none is asked for: fused on webgpu (flat if its internals are not reachable), else perVariable. */
export function defaultAdamWLayout(): AdamWLayout {
  if (tf.getBackend() !== "webgpu") return "perVariable";
  return webgpuInternals() !== null ? "fused" : "flat";
}

/** One AdamW update of θ, m, v from gradient g (formulas in the file comment); returns [θ', m', v']. */
function adamwUpdate(theta: tf.Tensor, m: tf.Tensor, v: tf.Tensor, g: tf.Tensor, s: Record<string, tf.Scalar>): [tf.Tensor, tf.Tensor, tf.Tensor] {
  const m2 = tf.add(m, tf.mul(s.oneMinusBeta1, tf.sub(g, m))); // β₁m + (1−β₁)g
  const v2 = tf.add(v, tf.mul(s.oneMinusBeta2, tf.sub(tf.square(g), v))); // β₂v + (1−β₂)g²
  const denom = tf.add(tf.sqrt(tf.mul(v2, s.invBiasCorrection2)), s.epsilon); // √v̂ + ε
  return [tf.sub(tf.mul(theta, s.decay), tf.mul(s.stepSize, tf.div(m2, denom))), m2, v2];
}

export class AdamW {
  readonly config: AdamWConfig;
  readonly layout: AdamWLayout;
  private readonly vars: tf.Variable[];
  private readonly sizes: number[];
  /** perVariable and fused: one moment per variable, shaped like it; flat: a single [Σ sizes] moment. */
  private readonly m: tf.Variable[];
  private readonly v: tf.Variable[];
  /** The GPU pipelines and buffers of the fused layout. */
  private readonly kernels: WebgpuAdamWKernels | null = null;
  private t = 0;
  /** The last submitted step's bookkeeping (fused layout); resolved when it has run. */
  private pending: Promise<void> = Promise.resolve();
  /** Submitted steps that have not run yet. */
  private inFlight = 0;

  /** `layout` defaults by the active backend (defaultAdamWLayout). */
  constructor(vars: tf.Variable[], config: Partial<AdamWConfig> = {}, layout?: AdamWLayout) {
    this.config = { ...defaultAdamWConfig(), ...config };
    const c = this.config;
    if (!(c.lr >= 0)) throw new Error(`AdamW lr must be ≥ 0, got ${c.lr}.`);
    if (!(c.beta1 >= 0 && c.beta1 < 1)) throw new Error(`AdamW beta1 must be in [0, 1), got ${c.beta1}.`);
    if (!(c.beta2 >= 0 && c.beta2 < 1)) throw new Error(`AdamW beta2 must be in [0, 1), got ${c.beta2}.`);
    if (!(c.eps > 0)) throw new Error(`AdamW eps must be > 0, got ${c.eps}.`);
    if (!(c.weightDecay >= 0)) throw new Error(`AdamW weightDecay must be ≥ 0, got ${c.weightDecay}.`);
    if (c.clipNorm !== null && !(c.clipNorm > 0)) throw new Error(`AdamW clipNorm must be > 0 or null, got ${c.clipNorm}.`);
    this.vars = [...vars];
    this.sizes = vars.map((x) => x.size);
    this.layout = layout ?? defaultAdamWLayout();
    if (!ADAMW_LAYOUTS.includes(this.layout)) throw new Error(`Unknown AdamW layout '${this.layout}'; valid layouts are: ${ADAMW_LAYOUTS.join(", ")}.`);
    if (this.layout === "fused" && webgpuInternals() === null) {
      throw new Error(`AdamW layout 'fused' needs the webgpu backend; the active backend is '${tf.getBackend()}'.`);
    }
    // Made inside tidy so that the zeros are not left behind holding a second reference to each moment.
    if (this.layout === "flat") {
      const total = this.sizes.reduce((a, b) => a + b, 0);
      this.m = [tf.tidy(() => tf.variable(tf.zeros([total]), false))];
      this.v = [tf.tidy(() => tf.variable(tf.zeros([total]), false))];
    } else {
      this.m = vars.map((x) => tf.tidy(() => tf.variable(tf.zerosLike(x), false)));
      this.v = vars.map((x) => tf.tidy(() => tf.variable(tf.zerosLike(x), false)));
    }
    if (this.layout === "fused") this.kernels = new WebgpuAdamWKernels(this.vars, this.m, this.v);
  }

  /**
   * Sets the learning rate of the following steps (a schedule calls this before each step). Only `lr`
   * changes; the moments and the step count are untouched.
   */
  setLearningRate(lr: number): void {
    if (!(lr >= 0) || !Number.isFinite(lr)) throw new Error(`AdamW lr must be a finite number ≥ 0, got ${lr}.`);
    this.config.lr = lr;
  }

  /** Number of steps applied so far. */
  get step(): number {
    return this.t;
  }

  /**
   * Computes the gradients of `loss` with respect to the variables and applies one step; returns the loss
   * too. Asynchronous because it reads two scalars back, which webgpu can only do asynchronously in Node.
   */
  async minimize(loss: () => tf.Scalar): Promise<StepInfo & { loss: number }> {
    const { value, grads } = tf.variableGrads(loss, this.vars);
    try {
      const info = await this.applyGradients(this.vars.map((x) => grads[x.name] ?? null));
      return { ...info, loss: (await value.data())[0] };
    } finally {
      value.dispose();
      tf.dispose(grads);
    }
  }

  /** Throws unless grads holds one gradient (or null) per variable, shaped like it. */
  private checkGradients(grads: (tf.Tensor | null)[], caller: string): void {
    if (grads.length !== this.vars.length) {
      throw new Error(`${caller} got ${grads.length} gradients for ${this.vars.length} variables; pass one per variable (null for none).`);
    }
    grads.forEach((g, i) => {
      if (g && !tf.util.arraysEqual(g.shape, this.vars[i].shape)) {
        throw new Error(`Gradient ${i} has shape [${g.shape}] but its variable has [${this.vars[i].shape}].`);
      }
    });
  }

  /**
   * One AdamW step from `grads` (in the order of the variables; `null` = the variable got no gradient and
   * is left untouched, as PyTorch skips parameters whose .grad is None). Does not dispose `grads`.
   */
  async applyGradients(grads: (tf.Tensor | null)[]): Promise<StepInfo> {
    this.checkGradients(grads, "applyGradients");
    if (this.kernels !== null) return (await this.submitGradients(grads)).info;
    const present = grads.filter((g): g is tf.Tensor => g !== null);
    // ‖g‖ = √(Σ_i ‖g_i‖²) over all gradients; one read back per step.
    let gradNorm = 0;
    if (present.length > 0) {
      // A chain of adds, not one addN: webgpu cannot bind dozens of inputs to one shader.
      const norm = tf.tidy(() => tf.sqrt(present.map((g) => tf.sum(tf.square(g))).reduce((a, b) => tf.add(a, b))));
      gradNorm = (await norm.data())[0];
      norm.dispose();
    }
    if (!Number.isFinite(gradNorm)) return { gradNorm, applied: false };
    const { lr, beta1, beta2, eps, weightDecay, clipNorm } = this.config;
    // PyTorch: clip_coef = max_norm / (total_norm + 1e-6), applied only when below 1.
    const clipScale = clipNorm !== null && gradNorm > clipNorm ? clipNorm / (gradNorm + 1e-6) : 1;
    this.t += 1;
    const biasCorrection1 = 1 - beta1 ** this.t;
    const biasCorrection2 = 1 - beta2 ** this.t;
    tf.tidy(() => {
      // Fixed scalars are cached (an upload costs ~2.5 ms on webgpu); the per-step ones (lr may follow a
      // schedule) are made here.
      const scalars = {
        decay: tf.scalar(1 - lr * weightDecay),
        oneMinusBeta1: constant(1 - beta1),
        oneMinusBeta2: constant(1 - beta2),
        epsilon: constant(eps),
        stepSize: tf.scalar(lr / biasCorrection1),
        invBiasCorrection2: tf.scalar(1 / biasCorrection2),
      };
      const scale = tf.scalar(clipScale);
      const clipped = (g: tf.Tensor) => (clipScale === 1 ? g : tf.mul(g, scale));
      if (this.layout === "perVariable") {
        grads.forEach((raw, i) => {
          if (raw === null) return;
          const [theta, m, v] = adamwUpdate(this.vars[i], this.m[i], this.v[i], clipped(raw), scalars);
          this.vars[i].assign(theta as tf.Tensor);
          this.m[i].assign(m);
          this.v[i].assign(v);
        });
        return;
      }
      const flat = (ts: tf.Tensor[]) => tf.concat(ts.map((x) => tf.reshape(x, [-1]))); // [Σ sizes]
      const g = clipped(flat(grads.map((raw, i) => raw ?? tf.zeros([this.sizes[i]]))));
      let [theta, m, v] = adamwUpdate(flat(this.vars), this.m[0], this.v[0], g, scalars);
      if (present.length < grads.length) {
        // Variables without a gradient keep θ, m and v unchanged, as in the per-variable layout.
        const mask = tf.cast(flat(grads.map((raw, i) => (raw ? tf.ones([this.sizes[i]]) : tf.zeros([this.sizes[i]])))), "bool");
        [theta, m, v] = [tf.where(mask, theta, flat(this.vars)), tf.where(mask, m, this.m[0]), tf.where(mask, v, this.v[0])];
      }
      tf.split(theta, this.sizes).forEach((piece, i) => this.vars[i].assign(tf.reshape(piece, this.vars[i].shape)));
      this.m[0].assign(m);
      this.v[0].assign(v);
    });
    return { gradNorm, applied: true };
  }

  /**
   * Records one step and returns once it is submitted, without waiting for the GPU: `info` settles when the
   * step has run. With the fused layout (webgpu) clipping and the finite check run on the GPU, so the CPU can
   * record the next forward and backward pass while this step runs, as PyTorch's asynchronous CUDA streams
   * do; the gradients may be disposed when this resolves. It first waits for the previous step's read back,
   * so the step count (and with it the bias correction) is the same as with applyGradients: a step whose
   * gradient norm is not finite changes nothing, not even the count. Other layouts apply the step at once.
   */
  async submitGradients(grads: (tf.Tensor | null)[]): Promise<{ info: Promise<StepInfo> }> {
    this.checkGradients(grads, "submitGradients");
    if (this.kernels === null) {
      const done = await this.applyGradients(grads);
      return { info: Promise.resolve(done) };
    }
    // Steps queue behind each other even when called without awaiting: the next one waits for this one.
    const previous = this.pending;
    let release = () => {};
    this.pending = new Promise<void>((resolve) => (release = resolve));
    this.inFlight++;
    const done = () => {
      this.inFlight--;
      release();
    };
    await previous;
    if (grads.every((g) => g === null)) {
      this.t += 1; // nothing to update, as the other layouts: a step with a zero norm
      done();
      return { info: Promise.resolve({ gradNorm: 0, applied: true }) };
    }
    const { lr, beta1, beta2, eps, weightDecay, clipNorm } = this.config;
    const t = this.t + 1; // the count if this step applies
    let info: Promise<StepInfo>;
    try {
      const total = this.kernels.record(grads, {
        decay: 1 - lr * weightDecay,
        oneMinusBeta1: 1 - beta1,
        oneMinusBeta2: 1 - beta2,
        epsilon: eps,
        stepSize: lr / (1 - beta1 ** t),
        invBiasCorrection2: 1 / (1 - beta2 ** t),
        clipNorm: clipNorm ?? 0,
      });
      info = total.then((sumOfSquares) => {
        const gradNorm = Math.sqrt(sumOfSquares);
        const applied = Number.isFinite(gradNorm); // the GPU made the same call on the same value
        if (applied) this.t = t;
        return { gradNorm, applied };
      });
    } catch (e) {
      done();
      throw e;
    }
    info.then(done, done);
    return { info };
  }

  /** Downloads the state (for checkpoints), after any step still running. */
  async getState(): Promise<AdamWState> {
    await this.pending;
    const step = this.t;
    const m = await Promise.all(this.m.map((x) => x.data() as Promise<Float32Array>));
    const v = await Promise.all(this.v.map((x) => x.data() as Promise<Float32Array>));
    if (this.layout !== "flat") return { step, m, v };
    const split = (all: Float32Array) => {
      let at = 0;
      return this.sizes.map((n) => all.slice(at, (at += n)));
    };
    return { step, m: split(m[0]), v: split(v[0]) };
  }

  /** Restores a state from getState() of an optimizer over variables of the same shapes. */
  setState(state: AdamWState): void {
    if (this.inFlight > 0) throw new Error("setState was called while a submitted step is still running; await its info first.");
    if (state.m.length !== this.vars.length || state.v.length !== this.vars.length) {
      throw new Error(`Optimizer state holds ${state.m.length} moments but there are ${this.vars.length} variables.`);
    }
    if (!Number.isInteger(state.step) || state.step < 0) throw new Error(`Optimizer state step must be a non-negative integer, got ${state.step}.`);
    state.m.forEach((a, i) => {
      if (a.length !== this.sizes[i] || state.v[i].length !== this.sizes[i]) {
        throw new Error(`Optimizer moment ${i} has ${a.length} values but its variable has ${this.sizes[i]}.`);
      }
    });
    const join = (parts: Float32Array[]) => {
      const all = new Float32Array(this.sizes.reduce((a, b) => a + b, 0));
      let at = 0;
      parts.forEach((p) => {
        all.set(p, at);
        at += p.length;
      });
      return all;
    };
    tf.tidy(() => {
      if (this.layout === "flat") {
        this.m[0].assign(tf.tensor1d(join(state.m)));
        this.v[0].assign(tf.tensor1d(join(state.v)));
        return;
      }
      state.m.forEach((a, i) => this.m[i].assign(tf.tensor(a, this.m[i].shape)));
      state.v.forEach((a, i) => this.v[i].assign(tf.tensor(a, this.v[i].shape)));
    });
    this.t = state.step;
  }

  dispose(): void {
    this.kernels?.dispose();
    for (const x of [...this.m, ...this.v]) x.dispose();
  }
}
