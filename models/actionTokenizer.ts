/**
 * The 256-bin action tokenizer of OpenVLA (`prismatic/vla/action_tokenizer.py`; OpenVLA-OFT's copy is the
 * same), as used by SimpleVLA-RL, on our action-chunk layout (DESIGN.md "Action tokens").
 *
 *   edges   = linspace(−1, 1, 256)                      (float64, numpy's formula: e_i = −1 + i·(2/255), e_255 = 1)
 *   centres = (edges[:-1] + edges[1:]) / 2               (255 midpoints)
 *   encode  k = digitize(clip(x, −1, 1), edges) − 1      ∈ 0..255
 *   decode  x̂ = centres[min(k, 254)]
 *
 * Why "− 1" and why "min(k, 254)": numpy's `digitize(x, edges)` with right=False returns the i for which
 * edges[i−1] ≤ x < edges[i], i.e. the count of edges ≤ x. For x in [−1, 1) that count is 1..255 and the
 * bin it names is i − 1 = 0..254, whose midpoint is centres[i − 1]. Only x = 1 exactly (after clipping)
 * reaches past the last edge and gets i = 256, k = 255: a 256th token with no bin of its own, decoded into
 * the last bin 254. Worked examples (the test file pins them):
 *   x = −1     → edges[0] = −1 ≤ x < edges[1]        → i = 1,   k = 0,   x̂ = centres[0]   ≈ −0.99608
 *   x =  0     → edges[127] ≈ −0.00392 ≤ 0 < edges[128] → i = 128, k = 127, x̂ = centres[127] = 0 exactly
 *   x =  1     → 1 ≥ edges[255] = 1                    → i = 256, k = 255, x̂ = centres[254]  ≈ 0.99608
 * So the round-trip error |x̂ − x| is at most half a bin, 1/255, and it is reached at both ends ±1.
 *
 * OpenVLA stores token k as vocabulary id 31999 − k (32000 − i: the largest value gets the lowest id). We
 * predict the 256 bins with our own head and need no shared vocabulary, so k itself is the token.
 *
 * Gripper (dim 6): binned as is (no normalization) and decoded to sign(x̂). No inversion anywhere: our actions
 * are env actions, −1 open, +1 close (OpenVLA inverts only because its RLDS data stores 1 = open).
 *
 * Chunk layout: slot s = 7·t + d for action t ∈ 0..7 and dim d ∈ 0..6 (action-major), 56 slots.
 */
import { ACTION_DIM, ACTION_SLOTS, NUM_BINS } from "./types.ts";
import { type ActionStats, NORMALIZED_DIMS, normalizeValue, unnormalizeValue } from "./actionNormalizer.ts";

/** The gripper's dim in an action. */
export const GRIPPER_DIM = ACTION_DIM - 1;

/** [K] = [256] bin edges, numpy's `linspace(−1, 1, 256)` bit for bit: −1 + i·step, the last set to 1. */
export const BIN_EDGES: Float64Array = (() => {
  const step = 2 / (NUM_BINS - 1);
  const edges = new Float64Array(NUM_BINS);
  for (let i = 0; i < NUM_BINS; i++) edges[i] = i * step + -1;
  edges[NUM_BINS - 1] = 1;
  return edges;
})();

/** [K − 1] = [255] bin midpoints, the decoded values. */
export const BIN_CENTRES: Float64Array = (() => {
  const centres = new Float64Array(NUM_BINS - 1);
  for (let i = 0; i < NUM_BINS - 1; i++) centres[i] = (BIN_EDGES[i] + BIN_EDGES[i + 1]) / 2;
  return centres;
})();

/** numpy's `digitize(x, BIN_EDGES)` with right=False: the count of edges ≤ x, by binary search (0..256). */
export function digitize(x: number): number {
  let lo = 0;
  let hi = NUM_BINS;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (BIN_EDGES[mid] <= x) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** Token k ∈ 0..255 of one normalized value: digitize(clip(x, −1, 1)) − 1. NaN is refused. */
export function valueToToken(x: number): number {
  if (Number.isNaN(x)) throw new Error("valueToToken: the value is NaN; only numbers can be binned.");
  return digitize(Math.min(1, Math.max(-1, x))) - 1;
}

/** The normalized value of token k ∈ 0..255: centres[min(k, 254)]. */
export function tokenToValue(k: number): number {
  if (!Number.isInteger(k) || k < 0 || k >= NUM_BINS) {
    throw new Error(`tokenToValue: the token must be an integer in 0..${NUM_BINS - 1}; got ${k}.`);
  }
  return BIN_CENTRES[Math.min(k, NUM_BINS - 2)];
}

/**
 * sign with sign(0) = 0 (numpy's `np.sign`, which the original uses to binarize the gripper). Only token 127
 * decodes to exactly 0, and 0 is the env's neutral gripper command: it holds the fingers where they are,
 * favouring neither open nor close.
 */
export function gripperSign(x: number): number {
  return x > 0 ? 1 : x < 0 ? -1 : 0;
}

/** One env action value of dim d → token: dims 0–5 normalized with `stats` first, the gripper as is. */
export function actionValueToToken(x: number, d: number, stats: ActionStats): number {
  return valueToToken(d < NORMALIZED_DIMS ? normalizeValue(x, d, stats) : x);
}

/** Token of dim d → env action value: dims 0–5 un-normalized, the gripper to sign(centre). */
export function tokenToActionValue(k: number, d: number, stats: ActionStats): number {
  const centre = tokenToValue(k);
  return d < NORMALIZED_DIMS ? unnormalizeValue(centre, d, stats) : gripperSign(centre);
}

/** Env actions of one chunk [C·A] = [56] → tokens [56] in 0..255, slot s = 7·t + d. */
export function encodeChunk(actions: Float32Array, stats: ActionStats): Int32Array {
  if (actions.length !== ACTION_SLOTS) {
    throw new Error(`encodeChunk: actions must hold one chunk of ${ACTION_SLOTS} values; got ${actions.length}.`);
  }
  return encodeChunks(actions, stats);
}

/** Tokens of one chunk [56] → env actions [C·A] = [56]. */
export function decodeChunk(tokens: ArrayLike<number>, stats: ActionStats): Float32Array {
  if (tokens.length !== ACTION_SLOTS) {
    throw new Error(`decodeChunk: tokens must hold one chunk of ${ACTION_SLOTS} slots; got ${tokens.length}.`);
  }
  return decodeChunks(tokens, stats);
}

/** Env actions of B chunks [B·C·A] → tokens [B·56]. */
export function encodeChunks(actions: Float32Array, stats: ActionStats): Int32Array {
  if (actions.length % ACTION_SLOTS !== 0) {
    throw new Error(`encodeChunks: actions must hold B·${ACTION_SLOTS} values (whole chunks); got ${actions.length}.`);
  }
  const tokens = new Int32Array(actions.length); // [B·56]
  for (let i = 0; i < actions.length; i++) {
    const x = actions[i];
    if (Number.isNaN(x)) {
      throw new Error(`encodeChunks: action value ${i} (chunk ${Math.floor(i / ACTION_SLOTS)}, slot ${i % ACTION_SLOTS}) is NaN.`);
    }
    tokens[i] = actionValueToToken(x, i % ACTION_DIM, stats);
  }
  return tokens;
}

/** Tokens of B chunks [B·56] → env actions [B·C·A]. */
export function decodeChunks(tokens: ArrayLike<number>, stats: ActionStats): Float32Array {
  if (tokens.length % ACTION_SLOTS !== 0) {
    throw new Error(`decodeChunks: tokens must hold B·${ACTION_SLOTS} slots (whole chunks); got ${tokens.length}.`);
  }
  const actions = new Float32Array(tokens.length); // [B·C·A]
  for (let i = 0; i < tokens.length; i++) {
    const k = tokens[i];
    if (!Number.isInteger(k) || k < 0 || k >= NUM_BINS) {
      throw new Error(`decodeChunks: token ${i} (slot ${i % ACTION_SLOTS}) must be an integer in 0..${NUM_BINS - 1}; got ${k}.`);
    }
    actions[i] = tokenToActionValue(k, i % ACTION_DIM, stats);
  }
  return actions;
}

/** Slot of action t, dim d in a chunk: 7·t + d. */
export function slotOf(t: number, d: number): number {
  return ACTION_DIM * t + d;
}
