/**
 * The VLA: a small bidirectional transformer over [image patches; instruction tokens; 56 action slots]
 * whose head gives 256 bin logits for every action slot, so one forward pass yields a whole action chunk
 * (OpenVLA-OFT's parallel decoding, SIMPLEVLA_RL.md §2). Where OFT feeds zeroed placeholder embeddings
 * at the action positions, we feed 56 learned slot embeddings (learned queries, one per slot s = 7·t + d).
 *
 * Shape letters (STYLE.md): B batch, S image side, P patches, L text length, T = P + L + 56 tokens,
 * D width, K bins (256).
 */
import * as tf from "@tensorflow/tfjs-core";
import "./gradients.ts";
import { type AttentionVariant, type BlockParams, defaultAttentionVariant, transformerBlock } from "./attention.ts";
import { numPatches, type VlaConfig, validateVlaConfig } from "./config.ts";
import { constant, layerNorm, linear, matMulAtB, repeatRows, withGradient } from "./layers.ts";
import { ParamStore } from "./params.ts";
import { greedyFromLogits, type SampleResult, sampleFromLogits } from "./sampling.ts";
import { ACTION_SLOTS, NUM_BINS, type PolicyModel, type Rng, type VlaBatch } from "./types.ts";

/** Additive attention bias of a pad key: large enough to zero its softmax weight, finite to avoid NaN. */
const PAD_BIAS = -1e9;
const INIT_STD = 0.02;

/** Downloads a float tensor synchronously, with a clear error where the backend cannot. */
function readSync(t: tf.Tensor, caller: string): Float32Array {
  if (tf.getBackend() === "webgpu") {
    throw new Error(`${caller}() reads logits synchronously, which the webgpu backend cannot do in Node; use ${caller}Async() instead.`);
  }
  return t.dataSync() as Float32Array;
}

export interface VlaOptions {
  /** Attention implementation; `auto` picks by the active backend (see attention.ts). */
  attention?: AttentionVariant | "auto";
}

/**
 * Looks up rows of `table` [V, D] for `ids` [N] → [N, D]. Forward is a gather; the gradient
 * dTable = onehot(ids)ᵀ·dy is written out because tfjs's gather gradient needs UnsortedSegmentSum,
 * which the wasm backend lacks.
 */
function embed(table: tf.Tensor2D, ids: tf.Tensor1D): tf.Tensor2D {
  const V = table.shape[0];
  const op = withGradient((tableIn: tf.Tensor2D) => {
    const value = tf.gather(tableIn, ids) as tf.Tensor2D;
    const gradFunc = (dy: tf.Tensor) => [matMulAtB(tf.oneHot(ids, V) as tf.Tensor2D, dy as tf.Tensor2D)];
    return { value, gradFunc };
  });
  return op(table);
}

export class Vla implements PolicyModel {
  readonly config: VlaConfig;
  private readonly params: ParamStore;
  private readonly attention: AttentionVariant | "auto";

  /** Builds the network with weights drawn from `seed`: the same config and seed give identical weights. */
  constructor(config: VlaConfig, seed: number, options: VlaOptions = {}) {
    validateVlaConfig(config);
    if (!Number.isInteger(seed)) throw new Error(`seed must be an integer, got ${seed}.`);
    this.config = { ...config };
    this.attention = options.attention ?? "auto";
    const { width: D, patchSize, depth, mlpRatio, vocabSize, maxTextLen } = config;
    const F = D * mlpRatio;
    const p = (this.params = new ParamStore(seed));
    // GPT-2 scales the residual projections by 1/√(2·depth) so the residual stream's variance stays put.
    const residualStd = INIT_STD / Math.sqrt(2 * depth);
    p.normal("patch.w", [patchSize * patchSize * 3, D], INIT_STD);
    p.constant("patch.b", [D], 0);
    p.normal("patch.pos", [numPatches(config), D], INIT_STD);
    p.normal("text.embed", [vocabSize, D], INIT_STD);
    p.normal("text.pos", [maxTextLen, D], INIT_STD);
    p.normal("slots", [ACTION_SLOTS, D], INIT_STD);
    for (let i = 0; i < depth; i++) {
      p.constant(`block${i}.ln1.gamma`, [D], 1);
      p.constant(`block${i}.ln1.beta`, [D], 0);
      p.normal(`block${i}.qkv.w`, [D, 3 * D], INIT_STD);
      p.constant(`block${i}.qkv.b`, [3 * D], 0);
      p.normal(`block${i}.proj.w`, [D, D], residualStd);
      p.constant(`block${i}.proj.b`, [D], 0);
      p.constant(`block${i}.ln2.gamma`, [D], 1);
      p.constant(`block${i}.ln2.beta`, [D], 0);
      p.normal(`block${i}.fc1.w`, [D, F], INIT_STD);
      p.constant(`block${i}.fc1.b`, [F], 0);
      p.normal(`block${i}.fc2.w`, [F, D], residualStd);
      p.constant(`block${i}.fc2.b`, [D], 0);
    }
    p.constant("final.ln.gamma", [D], 1);
    p.constant("final.ln.beta", [D], 0);
    p.normal("head.w", [D, NUM_BINS], INIT_STD);
    p.constant("head.b", [NUM_BINS], 0);
  }

  private block(i: number): BlockParams {
    const g = (n: string) => this.params.get(`block${i}.${n}`) as tf.Tensor as never;
    return {
      ln1Gamma: g("ln1.gamma"), ln1Beta: g("ln1.beta"), qkvW: g("qkv.w"), qkvB: g("qkv.b"),
      projW: g("proj.w"), projB: g("proj.b"), ln2Gamma: g("ln2.gamma"), ln2Beta: g("ln2.beta"),
      fc1W: g("fc1.w"), fc1B: g("fc1.b"), fc2W: g("fc2.w"), fc2B: g("fc2.b"),
    };
  }

  private get<R extends tf.Rank>(name: string): tf.Tensor<R> {
    return this.params.get(name) as tf.Tensor as tf.Tensor<R>;
  }

  private checkBatch(batch: VlaBatch): { B: number; L: number } {
    const { images, text } = batch;
    const S = this.config.imageSize;
    if (images.rank !== 4 || images.shape[1] !== S || images.shape[2] !== S || images.shape[3] !== 3) {
      throw new Error(`batch.images must be [B, ${S}, ${S}, 3] (the model's imageSize), got [${images.shape}].`);
    }
    if (text.rank !== 2 || text.dtype !== "int32") throw new Error(`batch.text must be an int32 [B, L] tensor, got ${text.dtype} [${text.shape}].`);
    const [B, L] = text.shape;
    if (B !== images.shape[0]) throw new Error(`batch.text has ${B} rows but batch.images has ${images.shape[0]}; they must match.`);
    if (L > this.config.maxTextLen) throw new Error(`batch.text has ${L} tokens per row; the model's maxTextLen is ${this.config.maxTextLen}.`);
    if (B === 0) throw new Error("batch is empty; pass at least one observation.");
    return { B, L };
  }

  /** Additive key bias [B, T]: 0 for patches, slots and real text tokens, PAD_BIAS for text pad (id 0). */
  private keyBias(text: tf.Tensor2D): tf.Tensor2D {
    // Built on the device: reading `text` back would be a synchronous GPU read, which webgpu cannot do in Node.
    return tf.tidy(() => {
      const textBias = tf.mul(tf.cast(tf.equal(text, constant(0)), "float32"), constant(PAD_BIAS)); // [B, L]
      // Zero bias for the P patches before and the 56 slots after (a pad kernel: no upload on webgpu).
      return tf.pad(textBias, [[0, 0], [numPatches(this.config), ACTION_SLOTS]]) as tf.Tensor2D; // [B, T]
    });
  }

  /** [B·56, D] final-layer-normed hidden states of the action slots (rows b·56 + s). */
  private slotStates(batch: VlaBatch): tf.Tensor2D {
    const { B, L } = this.checkBatch(batch);
    const { imageSize: S, patchSize: ps, width: D, heads: H, depth } = this.config;
    const P = numPatches(this.config);
    const T = P + L + ACTION_SLOTS;
    const variant = this.attention === "auto" ? defaultAttentionVariant(tf.getBackend()) : this.attention;
    return tf.tidy(() => {
      const keyBias = this.keyBias(batch.text); // [B, T]
      // 1) image patches → tokens: pixels from [0, 1] to [−1, 1] (SigLIP's input range; zero-centred inputs
      // let the from-scratch patch embedding pick up image detail several times sooner: at 1,000 SFT steps
      // of `base` on libero_spatial traj1 the loss was 2.22 against 2.98 with [0, 1] inputs), then cut S×S
      // into (S/ps)² patches of ps·ps·3 values, one linear map for all.
      const centred = tf.sub(tf.mul(batch.images, constant(2)), constant(1)); // [B, S, S, 3]
      const rows = tf.reshape(centred, [B * (S / ps), ps, S / ps, ps * 3]); // [B·S/ps, ps, S/ps, ps·3]
      const patches = tf.reshape<tf.Rank.R2>(tf.transpose(rows, [0, 2, 1, 3]), [B * P, ps * ps * 3]); // [B·P, ps·ps·3]
      const imageTokens = tf.add(
        tf.reshape(linear(patches, this.get("patch.w"), this.get("patch.b")), [B, P, D]), // [B, P, D]
        this.get("patch.pos"),
      );
      // 2) instruction tokens: embedding rows + learned positions 0..L−1.
      const textRows = embed(this.get("text.embed"), tf.reshape(batch.text, [B * L])); // [B·L, D]
      const textPos = tf.slice(this.get<tf.Rank.R2>("text.pos"), [0, 0], [L, D]); // [L, D]
      const textTokens = tf.add(tf.reshape(textRows, [B, L, D]), textPos); // [B, L, D]
      // 3) the 56 learned action-slot queries, the same for every row.
      const slots = repeatRows(tf.reshape(this.get("slots"), [1, ACTION_SLOTS, D]), B); // [B, 56, D]
      // 4) the transformer over the whole sequence, flattened to [B·T, D] so projections are 2-D products.
      let x = tf.reshape<tf.Rank.R2>(tf.concat([imageTokens, textTokens, slots], 1), [B * T, D]); // [B·T, D]
      for (let i = 0; i < depth; i++) x = transformerBlock(x, this.block(i), keyBias, { B, T, H }, variant);
      // 5) keep the slot positions and apply the final layer norm.
      const slotRows = tf.slice(tf.reshape(x, [B, T, D]), [0, P + L, 0], [B, ACTION_SLOTS, D]); // [B, 56, D]
      return layerNorm(tf.reshape<tf.Rank.R2>(slotRows, [B * ACTION_SLOTS, D]), this.get("final.ln.gamma"), this.get("final.ln.beta"));
    });
  }

  /** [B, 56, 256] raw action-token logits (before any temperature). */
  logits(batch: VlaBatch): tf.Tensor3D {
    return tf.tidy(() => {
      const states = this.slotStates(batch); // [B·56, D]
      const B = states.shape[0] / ACTION_SLOTS;
      return tf.reshape(linear(states, this.get("head.w"), this.get("head.b")), [B, ACTION_SLOTS, NUM_BINS]);
    });
  }

  /**
   * [B, 56] log softmax(logits / temperature) at `tokens` ([B, 56] int32 in 0..255). Differentiable.
   * The original divides by the rollout temperature in rollout and update alike (SIMPLEVLA_RL.md §1).
   */
  logProbs(batch: VlaBatch, tokens: tf.Tensor2D, temperature: number): tf.Tensor2D {
    if (!(temperature > 0) || !Number.isFinite(temperature)) throw new Error(`temperature must be a positive finite number, got ${temperature}.`);
    const B = batch.text.shape[0];
    if (tokens.rank !== 2 || tokens.shape[0] !== B || tokens.shape[1] !== ACTION_SLOTS || tokens.dtype !== "int32") {
      throw new Error(`tokens must be an int32 [${B}, ${ACTION_SLOTS}] tensor, got ${tokens.dtype} [${tokens.shape}].`);
    }
    return tf.tidy(() => {
      const logp = tf.logSoftmax(tf.div(this.logits(batch), constant(temperature))); // [B, 56, 256]
      return tf.sum(tf.mul(logp, tf.oneHot(tokens, NUM_BINS)), -1) as tf.Tensor2D; // [B, 56]
    });
  }

  /** [B, D] features for a value head: the mean of the 56 action-slot outputs after the final layer norm. */
  features(batch: VlaBatch): tf.Tensor2D {
    return tf.tidy(() => {
      const states = this.slotStates(batch); // [B·56, D]
      const B = states.shape[0] / ACTION_SLOTS;
      return tf.mean(tf.reshape(states, [B, ACTION_SLOTS, this.config.width]), 1) as tf.Tensor2D;
    });
  }

  /**
   * Samples 56 tokens per row from softmax(logits / temperature), row b drawing only from rngs[b]
   * (float64 inverse CDF on the downloaded logits, sampling.ts). Returns tokens and log-probs, [B·56] each.
   * Synchronous: CPU backends only (webgpu cannot read back synchronously in Node); see sampleAsync.
   */
  sample(batch: VlaBatch, temperature: number, rngs: Rng[]): SampleResult {
    const logits = this.logits(batch);
    try {
      return sampleFromLogits(readSync(logits, "sample"), logits.shape[0], ACTION_SLOTS, NUM_BINS, temperature, rngs);
    } finally {
      logits.dispose();
    }
  }

  /** sample() for every backend: the logits are downloaded asynchronously. */
  async sampleAsync(batch: VlaBatch, temperature: number, rngs: Rng[]): Promise<SampleResult> {
    const logits = this.logits(batch);
    try {
      const values = (await logits.data()) as Float32Array;
      return sampleFromLogits(values, logits.shape[0], ACTION_SLOTS, NUM_BINS, temperature, rngs);
    } finally {
      logits.dispose();
    }
  }

  /** Greedy decoding: argmax token per slot, [B·56]. Synchronous (CPU backends); see greedyAsync. */
  greedy(batch: VlaBatch): Int32Array {
    const logits = this.logits(batch);
    try {
      return greedyFromLogits(readSync(logits, "greedy"), logits.shape[0], ACTION_SLOTS, NUM_BINS);
    } finally {
      logits.dispose();
    }
  }

  /** greedy() for every backend. */
  async greedyAsync(batch: VlaBatch): Promise<Int32Array> {
    const logits = this.logits(batch);
    try {
      return greedyFromLogits((await logits.data()) as Float32Array, logits.shape[0], ACTION_SLOTS, NUM_BINS);
    } finally {
      logits.dispose();
    }
  }

  /** The trainable weights, in creation order (the order of `paramNames()`). */
  trainableVariables(): tf.Variable[] {
    return this.params.variables();
  }

  /** Parameter names, in the order of `trainableVariables()`. */
  paramNames(): string[] {
    return this.params.names();
  }

  /** Total number of trainable scalars. */
  numParams(): number {
    return this.trainableVariables().reduce((n, v) => n + v.size, 0);
  }

  dispose(): void {
    this.params.dispose();
  }
}
