/**
 * Sampling action tokens from downloaded logits, in float64 on the CPU. Pure functions over plain arrays:
 * each row of the batch draws only from its own random stream, so a row's tokens do not depend on which
 * other rows share its batch (DESIGN.md "Determinism").
 *
 * Shape letters: B batch, S token slots per row (56), K bins (256). Logits are row-major [B, S, K].
 */
import type { Rng } from "./types.ts";

/** Sampled tokens [B·S] and their log-probabilities [B·S] under softmax(logits / temperature). */
export interface SampleResult {
  tokens: Int32Array;
  logProbs: Float32Array;
}

function checkSizes(logits: Float32Array, B: number, S: number, K: number): void {
  if (logits.length !== B * S * K) {
    throw new Error(`logits has ${logits.length} values but B·S·K = ${B}·${S}·${K} = ${B * S * K} were expected.`);
  }
}

function checkTemperature(temperature: number): void {
  if (!(temperature > 0) || !Number.isFinite(temperature)) {
    throw new Error(`temperature must be a positive finite number (use greedy decoding for 0), got ${temperature}.`);
  }
}

/**
 * Draws one token per slot by inverse CDF: with z_k = logit_k / temperature, p_k = exp(z_k − max z) / Z,
 * the token is the first k whose cumulative Σ_{j≤k} p_j exceeds u ~ U[0, 1) from `rngs[b]` (one draw per
 * slot, slots in order). Its log-probability is z_k − max z − log Z. All arithmetic in float64.
 */
export function sampleFromLogits(logits: Float32Array, B: number, S: number, K: number, temperature: number, rngs: Rng[]): SampleResult {
  checkSizes(logits, B, S, K);
  checkTemperature(temperature);
  if (rngs.length !== B) throw new Error(`rngs must hold one stream per batch row (${B}), got ${rngs.length}.`);
  const tokens = new Int32Array(B * S);
  const logProbs = new Float32Array(B * S);
  const weights = new Float64Array(K);
  for (let b = 0; b < B; b++) {
    const rng = rngs[b];
    for (let s = 0; s < S; s++) {
      const base = (b * S + s) * K;
      let max = -Infinity;
      for (let k = 0; k < K; k++) max = Math.max(max, logits[base + k] / temperature);
      let total = 0;
      for (let k = 0; k < K; k++) {
        weights[k] = Math.exp(logits[base + k] / temperature - max);
        total += weights[k];
      }
      const u = rng() * total;
      let k = 0;
      let cumulative = weights[0];
      // Stops at the last bin if rounding leaves u ≥ the running sum at the end.
      while (cumulative <= u && k < K - 1) cumulative += weights[++k];
      tokens[b * S + s] = k;
      logProbs[b * S + s] = logits[base + k] / temperature - max - Math.log(total);
    }
  }
  return { tokens, logProbs };
}

/** argmax over K per slot (the first maximum on ties): greedy decoding as the original's evaluation. */
export function greedyFromLogits(logits: Float32Array, B: number, S: number, K: number): Int32Array {
  checkSizes(logits, B, S, K);
  const tokens = new Int32Array(B * S);
  for (let i = 0; i < B * S; i++) {
    let best = 0;
    for (let k = 1; k < K; k++) if (logits[i * K + k] > logits[i * K + best]) best = k;
    tokens[i] = best;
  }
  return tokens;
}

/** log softmax(logits / temperature) at `tokens` [B·S], in float64: the reference the tensor version must match. */
export function logProbsFromLogits(logits: Float32Array, tokens: Int32Array, B: number, S: number, K: number, temperature: number): Float64Array {
  checkSizes(logits, B, S, K);
  checkTemperature(temperature);
  const out = new Float64Array(B * S);
  for (let i = 0; i < B * S; i++) {
    let max = -Infinity;
    for (let k = 0; k < K; k++) max = Math.max(max, logits[i * K + k] / temperature);
    let total = 0;
    for (let k = 0; k < K; k++) total += Math.exp(logits[i * K + k] / temperature - max);
    out[i] = logits[i * K + tokens[i]] / temperature - max - Math.log(total);
  }
  return out;
}
