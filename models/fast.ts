/**
 * FAST, the action tokenizer of π0-FAST (Pertsch et al. 2025, "FAST: Efficient Action Tokenization for
 * Vision-Language-Action Models", arXiv 2501.09747): compress a normalized action chunk with a DCT along
 * time, quantize the coefficients, and let byte-pair encoding merge the frequent patterns. An alternative to
 * the 56 fixed slots of `actionTokenizer.ts`; the output has a variable length.
 *
 *   chunk x [C, A] in [−1, 1]  (dims 0–5 normalized by BOUNDS_Q99, gripper ±1; input is clipped to [−1, 1])
 *   X = DCT-II_ortho(x) along time                    [C, A], row f = frequency f
 *   q = round(scale · X)                              integers (round half to even, as numpy's `around`)
 *   flatten frequency-major: index f·A + d             low frequencies of all dims first, as FAST does
 *   symbol = q + R                                    alphabet 0..2R
 *   tokens = BPE(symbols)
 * Decoding runs it backwards: symbols → q → X̂ = q / scale → x̂ = IDCT(X̂).
 *
 * Alphabet: FAST shifts by the smallest coefficient seen in training and clamps anything below it. We size
 * the alphabet from a bound instead, so no valid chunk is ever clamped: the DCT is orthonormal, so
 * |X_f,d| ≤ ‖x_·,d‖₂ ≤ √C for |x| ≤ 1, hence |q| ≤ R = ⌈scale·√C⌉ (R = 29, 59 symbols at C = 8, scale 10).
 *
 * Error bound (used by the tests): rounding moves each coefficient by |ΔX| ≤ 0.5/scale. The inverse DCT is
 * orthonormal too, so per dim the chunk error has ‖e_·,d‖₂ = ‖ΔX_·,d‖₂ ≤ 0.5·√C/scale, and per sample
 * |e_t,d| = |Σ_f M[f][t]·ΔX_f,d| ≤ (0.5/scale)·Σ_f |M[f][t]| ≤ 0.5·√C/scale (M the DCT matrix; the middle
 * form is `fastSampleErrorBound`). Typical errors are far smaller: uniform rounding noise has an RMS of
 * 1/(scale·√12) ≈ 0.029 at scale 10.
 */
import { jsonObject } from "./jsonInput.ts";
import { ACTION_DIM, CHUNK_LEN } from "./types.ts";
import { dctColumns, dctMatrix, idctColumns } from "./dct.ts";
import { Bpe, type Merge, trainBpe } from "./bpe.ts";

export interface FastConfig {
  /** Coefficients are multiplied by this before rounding: larger keeps more detail and makes more tokens. */
  scale: number;
  /** Largest BPE vocabulary (alphabet + merges); training may stop earlier when pairs run out. */
  vocabSize: number;
  /** BPE merges need at least this many occurrences. */
  minFrequency: number;
  /** Actions per chunk (C). */
  chunkLen: number;
  /** Dims per action (A). */
  actionDim: number;
}

/** FAST's defaults (scale 10, vocabulary 1024) on our chunk of 8 × 7. */
export function defaultFastConfig(): FastConfig {
  return { scale: 10, vocabSize: 1024, minFrequency: 2, chunkLen: CHUNK_LEN, actionDim: ACTION_DIM };
}

const FORMAT = "simplevla-ts/fast";
const VERSION = 1;

/** The serialized form written into checkpoints. */
export interface FastJSON {
  format: typeof FORMAT;
  version: typeof VERSION;
  scale: number;
  chunkLen: number;
  actionDim: number;
  merges: [number, number][];
}

/** Round half to even (numpy's `around`), so ±2.5 both go to ±2 and rounding has no bias. */
export function roundHalfEven(x: number): number {
  const r = Math.round(x);
  return Math.abs(x % 1) === 0.5 && r % 2 !== 0 ? r - 1 : r;
}

/** R: the largest |q| a chunk in [−1, 1] can produce, ⌈scale·√C⌉. */
export function fastRadius(scale: number, chunkLen: number): number {
  return Math.ceil(scale * Math.sqrt(chunkLen));
}

/** The per-sample bound max_t (0.5/scale)·Σ_f |M[f][t]| on |decode(encode(x)) − x| for x in [−1, 1]. */
export function fastSampleErrorBound(scale: number, chunkLen: number): number {
  const m = dctMatrix(chunkLen);
  let worst = 0;
  for (let t = 0; t < chunkLen; t++) {
    let l1 = 0;
    for (let f = 0; f < chunkLen; f++) l1 += Math.abs(m[f * chunkLen + t]);
    worst = Math.max(worst, l1);
  }
  return (0.5 / scale) * worst;
}

export class FastTokenizer {
  readonly scale: number;
  readonly chunkLen: number;
  readonly actionDim: number;
  /** Symbol = q + radius. */
  readonly radius: number;
  readonly bpe: Bpe;

  constructor(scale: number, chunkLen: number, actionDim: number, merges: readonly Merge[], where = "FastTokenizer") {
    checkShapeConfig(where, scale, chunkLen, actionDim);
    this.scale = scale;
    this.chunkLen = chunkLen;
    this.actionDim = actionDim;
    this.radius = fastRadius(scale, chunkLen);
    this.bpe = new Bpe(2 * this.radius + 1, merges, where);
  }

  /** Tokens the model must be able to emit: alphabet (2R + 1) + learned merges. */
  get vocabSize(): number {
    return this.bpe.vocabSize;
  }

  /** Values per chunk (C·A). */
  get chunkSize(): number {
    return this.chunkLen * this.actionDim;
  }

  /** Normalized chunk [C·A] (row t = action t) → quantized coefficients [C·A], frequency-major (f·A + d). */
  quantize(chunk: ArrayLike<number>): Int32Array {
    if (chunk.length !== this.chunkSize) {
      throw new Error(`FastTokenizer: a chunk must hold C·A = ${this.chunkSize} values; got ${chunk.length}.`);
    }
    const clipped = new Float64Array(this.chunkSize); // [C, A]
    for (let i = 0; i < clipped.length; i++) {
      const x = chunk[i];
      if (Number.isNaN(x)) throw new Error(`FastTokenizer: chunk value ${i} is NaN.`);
      clipped[i] = Math.min(1, Math.max(-1, x));
    }
    const coeffs = dctColumns(clipped, this.chunkLen, this.actionDim); // [C, A], row f = frequency f
    const q = new Int32Array(this.chunkSize); // [C·A]
    for (let i = 0; i < q.length; i++) {
      // The clamp never acts on clipped input (|q| ≤ R, see the file comment); it guards float rounding.
      q[i] = Math.min(this.radius, Math.max(-this.radius, roundHalfEven(this.scale * coeffs[i])));
    }
    return q;
  }

  /** Quantized coefficients [C·A] (frequency-major) → chunk [C·A] (row t = action t), float64. */
  dequantize(q: ArrayLike<number>): Float64Array {
    const coeffs = new Float64Array(this.chunkSize); // [C, A]
    for (let i = 0; i < coeffs.length; i++) coeffs[i] = q[i] / this.scale;
    return idctColumns(coeffs, this.chunkLen, this.actionDim);
  }

  /** Normalized chunk [C·A] → a variable number of tokens in 0..vocabSize−1. */
  encode(chunk: ArrayLike<number>): number[] {
    const q = this.quantize(chunk);
    const symbols = Array.from(q, (v) => v + this.radius);
    return this.bpe.encode(symbols);
  }

  /** Whether `tokens` expand to exactly C·A coefficients (a sampled sequence need not). */
  isComplete(tokens: ArrayLike<number>): boolean {
    return this.bpe.decode(tokens).length === this.chunkSize;
  }

  /**
   * Tokens → normalized chunk [C·A] (row t = action t). A sequence that expands to fewer than C·A symbols is
   * completed with zero coefficients (the missing high frequencies are taken as 0), a longer one is cut to
   * C·A: a model's sample should degrade, not crash. Token ids outside the vocabulary are an error.
   */
  decode(tokens: ArrayLike<number>): Float32Array {
    const symbols = this.bpe.decode(tokens);
    const q = new Int32Array(this.chunkSize); // [C·A], zeros where symbols are missing
    for (let i = 0; i < Math.min(symbols.length, q.length); i++) q[i] = symbols[i] - this.radius;
    return Float32Array.from(this.dequantize(q));
  }

  toJSON(): FastJSON {
    return {
      format: FORMAT,
      version: VERSION,
      scale: this.scale,
      chunkLen: this.chunkLen,
      actionDim: this.actionDim,
      merges: this.bpe.merges.map((m) => [m[0], m[1]]),
    };
  }

  /** Reads a tokenizer back from parsed JSON (or a JSON string); `where` names the source in errors. */
  static fromJSON(value: unknown, where = "FAST tokenizer"): FastTokenizer {
    const o = jsonObject(value, where, "an object with fields format, version, scale, chunkLen, actionDim, merges");
    if (o.format !== FORMAT) throw new Error(`${where}: field 'format' must be "${FORMAT}"; got ${JSON.stringify(o.format)}.`);
    if (o.version !== VERSION) throw new Error(`${where}: field 'version' must be ${VERSION}; got ${JSON.stringify(o.version)}.`);
    if (!Array.isArray(o.merges)) throw new Error(`${where}: field 'merges' must be an array of [a, b] pairs.`);
    return new FastTokenizer(o.scale as number, o.chunkLen as number, o.actionDim as number, o.merges as Merge[], where);
  }
}

/**
 * Trains FAST's BPE on normalized chunks (each [C·A], row t = action t): quantize every chunk, then learn
 * merges over the symbol sequences (bpe.ts). The same chunks in any order give the same tokenizer.
 */
export function trainFast(chunks: readonly ArrayLike<number>[], config: Partial<FastConfig> = {}): FastTokenizer {
  const unknown = Object.keys(config).filter((k) => !(k in defaultFastConfig()));
  if (unknown.length > 0) {
    throw new Error(`trainFast: unknown option ${unknown.map((k) => `'${k}'`).join(", ")}; valid ones: ${Object.keys(defaultFastConfig()).join(", ")}.`);
  }
  const cfg = { ...defaultFastConfig(), ...config };
  if (!Array.isArray(chunks) || chunks.length === 0) throw new Error("trainFast: chunks must be a non-empty array of chunks.");
  const base = new FastTokenizer(cfg.scale, cfg.chunkLen, cfg.actionDim, []);
  if (!Number.isInteger(cfg.vocabSize) || cfg.vocabSize < base.vocabSize) {
    throw new Error(`trainFast: vocabSize must be an integer ≥ the alphabet size ${base.vocabSize} (2·${base.radius} + 1 at scale ${cfg.scale}); got ${cfg.vocabSize}.`);
  }
  const sequences = chunks.map((c, i) => {
    if (c.length !== base.chunkSize) {
      throw new Error(`trainFast: chunk ${i} must hold C·A = ${base.chunkSize} values; got ${c.length}.`);
    }
    return Array.from(base.quantize(c), (v) => v + base.radius);
  });
  const merges = trainBpe(sequences, { baseSize: base.vocabSize, vocabSize: cfg.vocabSize, minFrequency: cfg.minFrequency });
  return new FastTokenizer(cfg.scale, cfg.chunkLen, cfg.actionDim, merges);
}

function checkShapeConfig(where: string, scale: number, chunkLen: number, actionDim: number): void {
  if (typeof scale !== "number" || !Number.isFinite(scale) || scale <= 0) {
    throw new Error(`${where}: scale must be a positive finite number; got ${scale}.`);
  }
  if (!Number.isInteger(chunkLen) || chunkLen < 1) throw new Error(`${where}: chunkLen must be a positive integer; got ${chunkLen}.`);
  if (!Number.isInteger(actionDim) || actionDim < 1) throw new Error(`${where}: actionDim must be a positive integer; got ${actionDim}.`);
}
