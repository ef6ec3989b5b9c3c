import { describe, expect, it } from "vitest";
import fc from "fast-check";
import seedrandom from "seedrandom";
import {
  FastTokenizer,
  defaultFastConfig,
  fastRadius,
  fastSampleErrorBound,
  roundHalfEven,
  trainFast,
} from "../../models/fast.ts";
import { dctColumns } from "../../models/dct.ts";
import { ACTION_DIM, ACTION_SLOTS, CHUNK_LEN } from "../../models/types.ts";

const C = CHUNK_LEN;
const A = ACTION_DIM;
const chunkArb = fc.array(fc.double({ min: -1, max: 1, noNaN: true }), { minLength: ACTION_SLOTS, maxLength: ACTION_SLOTS });

/** n smooth chunks: per dim a line a + b·t plus small noise, the gripper a constant ±1. */
function smoothChunks(n: number, seed: string): Float32Array[] {
  const rng = seedrandom(seed);
  return Array.from({ length: n }, () => {
    const chunk = new Float32Array(ACTION_SLOTS);
    for (let d = 0; d < A; d++) {
      const a = rng() * 1.2 - 0.6;
      const b = (rng() - 0.5) * 0.1;
      const g = rng() < 0.5 ? -1 : 1;
      for (let t = 0; t < C; t++) chunk[t * A + d] = d === A - 1 ? g : a + b * t + (rng() - 0.5) * 0.02;
    }
    return chunk;
  });
}

describe("FAST quantization", () => {
  it("rounds half to even like numpy's around", () => {
    expect([2.5, 3.5, -2.5, -3.5, 0.5, 1.49, -1.51].map(roundHalfEven)).toEqual([2, 4, -2, -4, 0, 1, -2]);
  });

  it("alphabet radius is ⌈scale·√C⌉: 29 at scale 10 over 8 steps, and a saturated chunk stays inside it", () => {
    expect(fastRadius(10, 8)).toBe(29);
    const tok = new FastTokenizer(10, C, A, []);
    expect(tok.vocabSize).toBe(59);
    const q = tok.quantize(new Float32Array(ACTION_SLOTS).fill(1));
    expect(q[0]).toBe(28); // round(10·√8) = round(28.28)
    for (const v of q) expect(Math.abs(v)).toBeLessThanOrEqual(tok.radius);
  });

  it("coefficients are flattened frequency-major: index f·A + d", () => {
    const tok = new FastTokenizer(10, C, A, []);
    const chunk = new Float32Array(ACTION_SLOTS);
    for (let t = 0; t < C; t++) chunk[t * A + 3] = 0.5; // only dim 3, constant → DC of dim 3 only
    const q = tok.quantize(chunk);
    expect(q[0 * A + 3]).toBe(roundHalfEven(10 * 0.5 * Math.sqrt(8))); // 14
    q.forEach((v, i) => {
      if (i !== 3) expect(v).toBe(0);
    });
  });

  it("per coefficient the rounding error is at most 0.5/scale", () => {
    for (const scale of [10, 3.7]) {
      const tok = new FastTokenizer(scale, C, A, []);
      fc.assert(
        fc.property(chunkArb, (x) => {
          const X = dctColumns(x, C, A);
          const q = tok.quantize(x);
          for (let i = 0; i < ACTION_SLOTS; i++) expect(Math.abs(q[i] / scale - X[i])).toBeLessThanOrEqual(0.5 / scale + 1e-12);
        }),
        { numRuns: 100 },
      );
    }
  });

  it("round trip error: per dim ‖e‖₂ ≤ 0.5·√C/scale and per sample |e| ≤ fastSampleErrorBound", () => {
    const scale = 10;
    const tok = trainFast(smoothChunks(200, "fast-train"), { scale, vocabSize: 300 });
    const l2Bound = (0.5 * Math.sqrt(C)) / scale;
    const sampleBound = fastSampleErrorBound(scale, C);
    expect(sampleBound).toBeLessThanOrEqual(l2Bound + 1e-15);
    fc.assert(
      fc.property(chunkArb, (raw) => {
        const x = Float32Array.from(raw);
        const back = tok.decode(tok.encode(x));
        for (let d = 0; d < A; d++) {
          let sq = 0;
          for (let t = 0; t < C; t++) {
            const e = back[t * A + d] - x[t * A + d];
            expect(Math.abs(e)).toBeLessThanOrEqual(sampleBound + 1e-6); // + float32 output rounding
            sq += e * e;
          }
          expect(Math.sqrt(sq)).toBeLessThanOrEqual(l2Bound + 1e-6);
        }
      }),
      { numRuns: 200 },
    );
  });

  it("values outside [−1, 1] are clipped before the DCT", () => {
    const tok = new FastTokenizer(10, C, A, []);
    const big = new Float32Array(ACTION_SLOTS).fill(7);
    expect(Array.from(tok.quantize(big))).toEqual(Array.from(tok.quantize(new Float32Array(ACTION_SLOTS).fill(1))));
  });
});

describe("FAST tokenizer", () => {
  it("BPE is lossless: decode(encode(x)) equals the de-quantized chunk, for chunks never seen in training", () => {
    const tok = trainFast(smoothChunks(200, "fast-train"), { vocabSize: 400 });
    for (const x of smoothChunks(50, "fast-heldout")) {
      const expected = Float32Array.from(tok.dequantize(tok.quantize(x)));
      expect(Array.from(tok.decode(tok.encode(x)))).toEqual(Array.from(expected));
      expect(tok.isComplete(tok.encode(x))).toBe(true);
    }
  });

  it("smooth chunks compress below the 56 tokens of binning", () => {
    const train = smoothChunks(300, "fast-train");
    const tok = trainFast(train, { vocabSize: 512 });
    const lengths = smoothChunks(50, "fast-heldout").map((x) => tok.encode(x).length);
    const mean = lengths.reduce((s, n) => s + n, 0) / lengths.length;
    expect(mean).toBeLessThan(ACTION_SLOTS);
    expect(tok.vocabSize).toBeGreaterThan(59);
    expect(tok.vocabSize).toBeLessThanOrEqual(512);
  });

  it("training is deterministic: the same chunks in any order give the same tokenizer", () => {
    const chunks = smoothChunks(120, "fast-order");
    const reversed = [...chunks].reverse();
    expect(JSON.stringify(trainFast(reversed, { vocabSize: 200 }))).toBe(JSON.stringify(trainFast(chunks, { vocabSize: 200 })));
  });

  it("serialization round trips: the restored tokenizer encodes and decodes identically", () => {
    const tok = trainFast(smoothChunks(150, "fast-json"), { scale: 8, vocabSize: 250 });
    const back = FastTokenizer.fromJSON(JSON.stringify(tok));
    expect(back.toJSON()).toEqual(tok.toJSON());
    for (const x of smoothChunks(20, "fast-json-2")) {
      const tokens = tok.encode(x);
      expect(back.encode(x)).toEqual(tokens);
      expect(Array.from(back.decode(tokens))).toEqual(Array.from(tok.decode(tokens)));
    }
  });

  it("a short sampled sequence decodes with the missing coefficients set to 0", () => {
    const tok = new FastTokenizer(10, C, A, []);
    const chunk = new Float32Array(ACTION_SLOTS).fill(0.5);
    const tokens = tok.encode(chunk).slice(0, A); // only the DC row
    expect(tok.isComplete(tokens)).toBe(false);
    const back = tok.decode(tokens);
    for (const v of back) expect(v).toBeCloseTo(14 / 10 / Math.sqrt(8), 6); // round(10·0.5·√8) = 14
  });

  it("bad options and corrupt JSON get messages naming the field", () => {
    const chunks = smoothChunks(5, "fast-bad");
    expect(() => trainFast(chunks, { vocabSize: 10 })).toThrow(/vocabSize must be an integer ≥ the alphabet size 59/);
    expect(() => trainFast(chunks, { scale: -1 })).toThrow(/scale must be a positive finite number; got -1/);
    expect(() => trainFast(chunks, { vocab: 3 } as never)).toThrow(/unknown option 'vocab'/);
    expect(() => trainFast([new Float32Array(10)])).toThrow(/chunk 0 must hold C·A = 56 values; got 10/);
    expect(() => trainFast([])).toThrow(/non-empty/);
    const good = trainFast(chunks, { vocabSize: 70 }).toJSON();
    expect(() => FastTokenizer.fromJSON({ ...good, format: "nope" }, "ckpt/fast.json")).toThrow(/ckpt\/fast.json: field 'format'/);
    expect(() => FastTokenizer.fromJSON({ ...good, chunkLen: 0 })).toThrow(/chunkLen must be a positive integer; got 0/);
    expect(() => FastTokenizer.fromJSON({ ...good, merges: [[0, 999]] })).toThrow(/merge 0 must be a pair of token ids below 59/);
    expect(() => FastTokenizer.fromJSON("not json")).toThrow(/not valid JSON/);
    expect(defaultFastConfig().scale).toBe(10);
  });
});
